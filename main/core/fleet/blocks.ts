import crypto from 'node:crypto';
import type { Db } from '../db/open.js';
import type { Block } from './protocol.js';

/** One pre-signed id, as a unit will hold it. */
export interface PresignedId {
  id: number;
  block_id: string;
  product_id: number;
  key_version: number;
  device_id: string;
  signature: string;
}

/**
 * Blocks of ids the server minted, signed and queued for registration for this station
 * (fleet_blocks, fleet_ids), and the requests for them (fleet_block_requests). A request is
 * written before it is sent and answered under its id, so a block that was minted but whose
 * answer never arrived (a kill, a dropped connection) is asked for again and the server gives
 * the same block: no ids are stranded.
 */
export class BlockStore {
  private readonly nextStmt;
  private readonly useStmt;

  constructor(private readonly db: Db) {
    this.nextStmt = db.prepare("SELECT id, block_id, product_id, key_version, device_id, signature FROM fleet_ids WHERE product_id = ? AND state = 'unused' ORDER BY id LIMIT 1");
    this.useStmt = db.prepare("UPDATE fleet_ids SET state = 'used', used_at = ?, device_row = ? WHERE id = ? AND state = 'unused'");
  }

  unused(productId: number): number {
    return this.db.prepare("SELECT COUNT(*) FROM fleet_ids WHERE product_id = ? AND state = 'unused'").pluck().get(productId) as number;
  }

  /** Unused ids per product, for the products given (0 where none). */
  unusedBy(productIds: readonly number[]): Record<string, number> {
    const counts = new Map(
      (this.db.prepare("SELECT product_id, COUNT(*) AS n FROM fleet_ids WHERE state = 'unused' GROUP BY product_id").all() as { product_id: number; n: number }[]).map((r) => [r.product_id, r.n]),
    );
    return Object.fromEntries(productIds.map((p) => [String(p), counts.get(p) ?? 0]));
  }

  /** The request to send for a product: one still unanswered (to be asked again as it was), else a new one, written now. */
  request(productId: number, count: number, at: string): { request_id: string; count: number } {
    return this.db
      .transaction(() => {
        const open = this.db.prepare('SELECT request_id, count FROM fleet_block_requests WHERE product_id = ? AND block_id IS NULL ORDER BY asked_at LIMIT 1').get(productId) as
          | { request_id: string; count: number }
          | undefined;
        if (open) return open;
        const request_id = crypto.randomUUID();
        this.db.prepare('INSERT INTO fleet_block_requests (request_id, product_id, count, asked_at) VALUES (?, ?, ?, ?)').run(request_id, productId, count, at);
        return { request_id, count };
      })
      .immediate();
  }

  /**
   * A block as the server answered it, with its request, in one transaction. An id already
   * known here (a block answered twice) is not taken twice. Returns the ids added.
   */
  store(b: Block, requestId: string, at: string): number {
    return this.db
      .transaction(() => {
        this.db
          .prepare('INSERT INTO fleet_blocks (block_id, product_id, key_version, request_id, size, received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
          .run(b.block_id, b.product_id, b.key_version, requestId, b.ids.length, at);
        const add = this.db.prepare("INSERT INTO fleet_ids (block_id, product_id, key_version, device_id, signature, state) VALUES (?, ?, ?, ?, ?, 'unused') ON CONFLICT DO NOTHING");
        let n = 0;
        for (const id of b.ids) n += add.run(b.block_id, b.product_id, b.key_version, id.device_id, id.signature).changes;
        this.db.prepare('UPDATE fleet_block_requests SET block_id = ? WHERE request_id = ?').run(b.block_id, requestId);
        return n;
      })
      .immediate();
  }

  /** The next unused id of a product, or undefined. Read inside the transaction that will use it. */
  next(productId: number): PresignedId | undefined {
    return this.nextStmt.get(productId) as PresignedId | undefined;
  }

  /** The id is on a ledger row now. Must run in the transaction that wrote that row. */
  use(id: number, deviceRow: number, at: string): void {
    if (this.useStmt.run(at, deviceRow, id).changes !== 1) throw new Error(`pre-signed id ${id} was not unused`);
  }

  /** An id the ledger already holds (it came another way): never offered again. */
  spoil(id: number): void {
    this.db.prepare("UPDATE fleet_ids SET state = 'void' WHERE id = ? AND state = 'unused'").run(id);
  }
}
