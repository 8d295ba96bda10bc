import type { Db } from '../db/open.js';
import { queueVoidEvent } from '../mes/events.js';

export type DeviceStatus = 'allocated' | 'written' | 'verified' | 'failed' | 'void';
export const DEVICE_STATUSES: readonly DeviceStatus[] = ['allocated', 'written', 'verified', 'failed', 'void'];

export interface DeviceRow {
  id: number;
  product_id: number;
  device_id: string;
  key_version: number | null;
  signature: string | null;
  hwid: string | null;
  sn: string | null;
  extra: string | null;
  status: DeviceStatus;
  station: string;
  operator: string;
  port: string | null;
  created_at: string;
  updated_at: string;
  synced_at: string | null;
  last_error: string | null;
}

export type NewDevice = Omit<DeviceRow, 'id' | 'updated_at' | 'synced_at' | 'last_error'> & { last_error?: string | null };

/** One id of a bulk add: the id and what the id file said about it. */
export interface BulkDevice {
  device_id: string;
  sn: string | null;
  /** JSON of the file's other columns, or null. */
  extra: string | null;
}

/**
 * Device rows and their outbox entries. Inserting a device never happens without the
 * statement that needs it being in the same transaction (the caller owns the transaction).
 */
export class DeviceStore {
  private readonly insertStmt;
  private readonly queueStmt;
  private readonly lastRowStmt;
  private readonly bulkInsertStmt;
  private readonly bulkQueueStmt;
  private readonly idsAfterStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO devices (product_id, device_id, key_version, signature, hwid, sn, extra, status, station, operator, port, created_at, updated_at, last_error)
       VALUES (@product_id, @device_id, @key_version, @signature, @hwid, @sn, @extra, @status, @station, @operator, @port, @created_at, @created_at, @last_error)
       ON CONFLICT (product_id, device_id) DO NOTHING`,
    );
    this.queueStmt = db.prepare(
      "INSERT INTO outbox (device_row, product_id, device_id, state, created_at) VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (device_row) DO NOTHING",
    );
    this.lastRowStmt = db.prepare('SELECT COALESCE(MAX(id), 0) FROM devices').pluck();
    this.bulkInsertStmt = db.prepare(
      `INSERT INTO devices (product_id, device_id, key_version, signature, hwid, sn, extra, status, station, operator, port, created_at, updated_at, last_error)
       SELECT @product_id, value ->> 0, NULL, NULL, NULL, value ->> 1, value ->> 2, 'allocated', @station, @operator, NULL, @at, @at, NULL
       FROM json_each(@rows) WHERE true ORDER BY key
       ON CONFLICT (product_id, device_id) DO NOTHING`,
    );
    this.bulkQueueStmt = db.prepare(
      "INSERT INTO outbox (device_row, product_id, device_id, state, created_at) SELECT id, product_id, device_id, 'pending', created_at FROM devices WHERE id > ? ORDER BY id",
    );
    this.idsAfterStmt = db.prepare('SELECT device_id FROM devices WHERE id > ?').pluck();
  }

  /** The new row's id, or undefined when (product_id, device_id) already exists. */
  insert(d: NewDevice): number | undefined {
    const r = this.insertStmt.run({ ...d, last_error: d.last_error ?? null });
    return r.changes === 0 ? undefined : Number(r.lastInsertRowid);
  }

  /**
   * Bulk `devices add`: inserts a chunk of ids as `allocated` rows and queues each new one for
   * adddevice, in two set-based statements instead of two per id. Running two statements per
   * id cost most of the time: `npm run bench registry` went from ~14k to ~50-57k ids/s with
   * the same rows, indexes and audit trigger. Ids already in the ledger are left alone; the
   * set of ids that went in is returned so the caller can report the rest as duplicates.
   * Must run inside the caller's write transaction: new rows are told apart from old ones by
   * their rowid, which no other writer can take meanwhile (and ledger rows are never deleted).
   */
  insertQueued(productId: number, items: readonly BulkDevice[], by: { station: string; operator: string; at: string }): Set<string> {
    if (!this.db.inTransaction) throw new Error('DeviceStore.insertQueued must run inside a transaction');
    const last = this.lastRowStmt.get() as number;
    this.bulkInsertStmt.run({
      product_id: productId,
      station: by.station,
      operator: by.operator,
      at: by.at,
      rows: JSON.stringify(items.map((d) => [d.device_id, d.sn, d.extra])),
    });
    this.bulkQueueStmt.run(last);
    return new Set(this.idsAfterStmt.all(last) as string[]);
  }

  /** Queue a device for adddevice (idempotent: a device is queued at most once, a cancelled one stays cancelled). */
  queue(rowId: number, productId: number, deviceId: string, at: string): void {
    this.queueStmt.run(rowId, productId, deviceId, at);
  }

  get(productId: number, deviceId: string): DeviceRow | undefined {
    return this.db.prepare('SELECT * FROM devices WHERE product_id = ? AND device_id = ?').get(productId, deviceId) as DeviceRow | undefined;
  }

  byRow(id: number): DeviceRow | undefined {
    return this.db.prepare('SELECT * FROM devices WHERE id = ?').get(id) as DeviceRow | undefined;
  }

  /** The identity already bound to a unit's hardware id (any state but void), newest first. */
  boundToHwid(productId: number, hwid: string): DeviceRow | undefined {
    return this.db
      .prepare("SELECT * FROM devices WHERE hwid = ? AND product_id = ? AND status != 'void' ORDER BY id DESC LIMIT 1")
      .get(hwid, productId) as DeviceRow | undefined;
  }

  /** Every live (not void) row bound to a unit's hardware id, oldest first. */
  liveForHwid(productId: number, hwid: string): DeviceRow[] {
    return this.db.prepare("SELECT * FROM devices WHERE hwid = ? AND product_id = ? AND status != 'void' ORDER BY id").all(hwid, productId) as DeviceRow[];
  }

  /**
   * The id is dead: status void with the reason (the audit trigger keeps both), and a
   * registration that has not gone out is cancelled. One already sent stays as it was: the
   * platform has no call to take an id back. Must run inside the caller's transaction.
   */
  markVoid(id: number, reason: string, at: string, by: string): void {
    this.db.prepare("UPDATE devices SET status = 'void', last_error = ?, operator = ?, updated_at = ? WHERE id = ?").run(`void: ${reason}`, by, at, id);
    this.db.prepare("UPDATE outbox SET state = 'cancelled', last_error = ? WHERE device_row = ? AND state IN ('pending', 'failed')").run(`void: ${reason}`, id);
    // The MES hears of it in the same transaction (when reporting is on).
    const row = this.byRow(id);
    if (row) queueVoidEvent(this.db, row, at);
  }

  /** The registration state of one row: pending, synced, failed, cancelled, or undefined when never queued. */
  registration(id: number): string | undefined {
    return (this.db.prepare('SELECT state FROM outbox WHERE device_row = ?').get(id) as { state: string } | undefined)?.state;
  }

  /**
   * Queues every live row that is not queued yet: rows a unit may hold from before
   * registration became write-ahead (or a database from an older version). Registering an id
   * no unit kept is harmless; a unit holding an unregistered id cannot activate.
   */
  queueUnqueued(at: string): number {
    return this.db
      .prepare(
        `INSERT INTO outbox (device_row, product_id, device_id, state, created_at)
         SELECT d.id, d.product_id, d.device_id, 'pending', ? FROM devices d
         WHERE d.status != 'void' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.device_row = d.id)
         ORDER BY d.id`,
      )
      .run(at).changes;
  }

  /** Move a device to a new state; the audit trigger records who, when, where. */
  update(
    id: number,
    fields: Partial<Pick<DeviceRow, 'status' | 'signature' | 'key_version' | 'hwid' | 'port' | 'operator' | 'station' | 'last_error'>>,
    at: string,
  ): void {
    const keys = Object.keys(fields) as (keyof typeof fields)[];
    const set = [...keys.map((k) => `${k} = @${k}`), 'updated_at = @at'].join(', ');
    this.db.prepare(`UPDATE devices SET ${set} WHERE id = @id`).run({ ...fields, at, id });
  }
}
