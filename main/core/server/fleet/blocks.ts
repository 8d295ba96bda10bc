import crypto from 'node:crypto';
import { WxError } from '../../errors/wx-error.js';
import type { Logger } from '../../log/logger.js';
import { DEFAULT_TEMPLATE, parseTemplate, renderTemplate, type Template } from '../../registry/template.js';
import { audit } from '../audit.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Queryable, ServerDb } from '../db/server-db.js';
import type { ProductKey, ProductSigners } from '../keys/product-signer.js';

/** Ids per block unless the station asks otherwise (the station's `block_size` setting). */
export const DEFAULT_BLOCK = 1000;
/** A block a station may ask for: 100,000 ids is about 3 s of signing and 13 MB of answer. */
export const MAX_BLOCK = 100_000;
/** Taken ids to step over before giving up (ids given by hand can sit on the sequence). */
const MAX_SKIPS = 10_000;

export interface BlockAnswer {
  block_id: string;
  product_id: number;
  key_version: number;
  ids: { device_id: string; signature: string }[];
}

export interface BlockDeps {
  db: ServerDb;
  now: () => Date;
  log: Logger;
  signers: ProductSigners;
  /** New registrations were queued (the worker may start now). */
  onQueued?: () => void;
}

/** The template a product mints from, refused when it needs what only the unit knows. */
function blockTemplate(productId: number, source: string | null): Template {
  const t = parseTemplate(source ?? DEFAULT_TEMPLATE);
  if (t.needs.sn || t.needs.hwid) throw new WxError('FLEET_TEMPLATE_NOT_BLOCKABLE', { product_id: productId, token: t.needs.sn ? '{sn}' : '{hwid}' });
  return t;
}

interface Minted {
  seq: number;
  device_id: string;
  signature: string;
}

/** Renders and signs `count` ids from `seq` on, yielding to the event loop every few hundred (other requests keep being answered). */
async function mint(t: Template, station: string, at: Date, seq: number, count: number, key: ProductKey): Promise<Minted[]> {
  const out: Minted[] = [];
  for (let i = 0; i < count; i++) {
    const device_id = renderTemplate(t, { station, date: at, seq: seq + i });
    out.push({ seq: seq + i, device_id, signature: key.sign(device_id) });
    if (i % 500 === 499) await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}

async function nextSeq(q: Queryable, productId: number, station: string, lock: boolean): Promise<number> {
  if (lock) await q.query('INSERT INTO id_sequences (product_id, station, next_seq) VALUES ($1, $2, 1) ON CONFLICT DO NOTHING', [productId, station]);
  const r = await q.query<{ next_seq: number }>(`SELECT next_seq FROM id_sequences WHERE product_id = $1 AND station = $2${lock ? ' FOR UPDATE' : ''}`, [productId, station]);
  return r.rows[0]?.next_seq ?? 1;
}

/** A block already made for this station's request id, answered again whole; another product under the same id is refused. */
async function existing(q: Queryable, station: string, requestId: string, productId: number): Promise<BlockAnswer | undefined> {
  const b = (
    await q.query<{ id: number; product_id: number; key_version: number; first_row: number | null; last_row: number | null }>(
      'SELECT id, product_id, key_version, first_row, last_row FROM blocks WHERE station = $1 AND request_id = $2',
      [station, requestId],
    )
  ).rows[0];
  if (!b) return undefined;
  if (b.product_id !== productId) throw new WxError('FLEET_REQUEST_REUSED', { request_id: requestId, detail: `a block of product ${b.product_id}` });
  // Its ledger rows, by the range it recorded (migration 0012): other blocks minted at the same time may have rows in between.
  const ids =
    b.first_row === null
      ? []
      : (
          await q.query<{ device_id: string; signature: string }>('SELECT device_id, signature FROM devices WHERE id BETWEEN $2 AND $3 AND block_id = $1 ORDER BY id', [
            b.id,
            b.first_row,
            b.last_row,
          ])
        ).rows;
  return { block_id: String(b.id), product_id: b.product_id, key_version: b.key_version, ids };
}

/**
 * `POST /v1/blocks`: `count` ids of a product for one station, minted from the product's
 * template with the station's own sequence (per product and station, in the server's
 * id_sequences), signed with the product's newest key, written to the fleet ledger
 * (`allocated`, the station's) and queued for adddevice — all in one transaction, before the
 * answer. Registration is write-ahead: a unit holding any of these ids is registered even if
 * its station never comes back. A crash leaves a gap in the sequence at most, never an id
 * twice.
 *
 * The ids are signed before the transaction from the sequence as it was read (signing is the
 * slow part, and PGlite has one backend that a transaction holds); inside, under the sequence
 * row's lock, a sequence that moved meanwhile (another block for the same station and product)
 * means minting again from where it is now. Ids already in the ledger (given by hand, signed
 * online) are stepped over. The date in an id is the day it was minted, not the day a unit
 * takes it.
 *
 * Idempotent per (station, request_id): asked again, the same block comes back.
 */
export class BlockService {
  constructor(private readonly d: BlockDeps) {}

  async mint(station: string, productId: number, count: number, requestId: string | undefined): Promise<BlockAnswer> {
    const product = (await this.d.db.query<{ id_template: string | null }>('SELECT id_template FROM products WHERE product_id = $1', [productId])).rows[0];
    if (!product) throw new WxError('PRODUCT_NOT_FOUND', { product_id: productId });
    if (requestId) {
      const again = await existing(this.d.db, station, requestId, productId);
      if (again) return again;
    }
    const t = blockTemplate(productId, product.id_template);
    const key = await this.d.signers.current(this.d.db, productId);
    const at = this.d.now();
    const start = await nextSeq(this.d.db, productId, station, false);
    const signed = await mint(t, station, at, start, count, key);
    let answer: BlockAnswer;
    try {
      answer = await this.d.db.transaction((tx) => this.write(tx, { station, productId, count, requestId, t, key, at, start, signed }));
    } catch (e) {
      // The same request, sent twice at once: the first one's block is the answer.
      if (requestId && isUniqueViolation(e)) {
        const again = await existing(this.d.db, station, requestId, productId);
        if (again) return again;
      }
      throw e;
    }
    this.d.log.info('block.minted', { station, product_id: productId, block_id: answer.block_id, ids: answer.ids.length, first: answer.ids[0]?.device_id, last: answer.ids.at(-1)?.device_id });
    this.d.onQueued?.();
    return answer;
  }

  private async write(
    tx: Queryable,
    o: { station: string; productId: number; count: number; requestId: string | undefined; t: Template; key: ProductKey; at: Date; start: number; signed: Minted[] },
  ): Promise<BlockAnswer> {
    const seq = await nextSeq(tx, o.productId, o.station, true);
    if (o.requestId) {
      const again = await existing(tx, o.station, o.requestId, o.productId);
      if (again) return again;
    }
    const at = o.at.toISOString();
    const block = (
      await tx.query<{ id: number }>(
        'INSERT INTO blocks (station, product_id, request_id, key_version, created_at) VALUES ($1, $2, $3, $4, $5::timestamptz) RETURNING id',
        [o.station, o.productId, o.requestId ?? `server:${crypto.randomUUID()}`, o.key.key_version, at],
      )
    ).rows[0].id;
    let batch = seq === o.start ? o.signed : await mint(o.t, o.station, o.at, seq, o.count, o.key);
    let next = seq;
    const taken: Minted[] = [];
    let firstRow = Infinity;
    let lastRow = -Infinity;
    for (let skipped = 0; ; ) {
      const rows = (
        await tx.query<{ id: number; device_id: string }>(
          `INSERT INTO devices (product_id, device_id, station, status, signature, key_version, created_at, updated_at, block_id)
           SELECT $1, x.device_id, $2, 'allocated', x.signature, $3, $4::timestamptz, $4::timestamptz, $5
           FROM jsonb_to_recordset($6::jsonb) AS x(device_id text, signature text)
           ON CONFLICT (product_id, device_id) DO NOTHING RETURNING id, device_id`,
          [o.productId, o.station, o.key.key_version, at, block, JSON.stringify(batch.map(({ device_id, signature }) => ({ device_id, signature })))],
        )
      ).rows;
      for (const r of rows) {
        firstRow = Math.min(firstRow, r.id);
        lastRow = Math.max(lastRow, r.id);
      }
      const inserted = new Set(rows.map((r) => r.device_id));
      for (const m of batch) if (inserted.has(m.device_id)) taken.push(m);
      skipped += batch.length - inserted.size;
      next = batch.at(-1)!.seq + 1;
      if (taken.length >= o.count) break;
      if (skipped > MAX_SKIPS) throw new WxError('DEVICE_ID_DUPLICATE', { device_id: batch.at(-1)!.device_id, product_id: o.productId });
      batch = await mint(o.t, o.station, o.at, next, o.count - taken.length, o.key);
    }
    await tx.query(
      `INSERT INTO registrations (product_id, device_id, state, created_at, updated_at)
       SELECT $1, d, 'pending', $2::timestamptz, $2::timestamptz FROM jsonb_array_elements_text($3::jsonb) AS x(d)`,
      [o.productId, at, JSON.stringify(taken.map((m) => m.device_id))],
    );
    await tx.query('UPDATE id_sequences SET next_seq = $3 WHERE product_id = $1 AND station = $2', [o.productId, o.station, next]);
    const first = taken[0];
    const last = taken.at(-1)!;
    await tx.query('UPDATE blocks SET count = $2, first_seq = $3, last_seq = $4, first_device_id = $5, last_device_id = $6, first_row = $7, last_row = $8 WHERE id = $1', [
      block,
      taken.length,
      first.seq,
      last.seq,
      first.device_id,
      last.device_id,
      firstRow,
      lastRow,
    ]);
    await audit(tx, {
      at,
      actor: `station:${o.station}`,
      action: 'block.mint',
      station: o.station,
      product_id: o.productId,
      detail: { block_id: block, count: taken.length, first: first.device_id, last: last.device_id, key_version: o.key.key_version, request_id: o.requestId ?? null },
    });
    return { block_id: String(block), product_id: o.productId, key_version: o.key.key_version, ids: taken.map(({ device_id, signature }) => ({ device_id, signature })) };
  }
}
