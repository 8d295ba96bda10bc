import type { Db } from '../db/open.js';

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

/**
 * Device rows and their outbox entries. Inserting a device never happens without the
 * statement that needs it being in the same transaction (the caller owns the transaction).
 */
export class DeviceStore {
  private readonly insertStmt;
  private readonly queueStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO devices (product_id, device_id, key_version, signature, hwid, sn, extra, status, station, operator, port, created_at, updated_at, last_error)
       VALUES (@product_id, @device_id, @key_version, @signature, @hwid, @sn, @extra, @status, @station, @operator, @port, @created_at, @created_at, @last_error)
       ON CONFLICT (product_id, device_id) DO NOTHING`,
    );
    this.queueStmt = db.prepare(
      "INSERT INTO outbox (device_row, product_id, device_id, state, created_at) VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (device_row) DO NOTHING",
    );
  }

  /** The new row's id, or undefined when (product_id, device_id) already exists. */
  insert(d: NewDevice): number | undefined {
    const r = this.insertStmt.run({ ...d, last_error: d.last_error ?? null });
    return r.changes === 0 ? undefined : Number(r.lastInsertRowid);
  }

  /** Queue a device for adddevice (idempotent: a device is queued at most once). */
  queue(rowId: number, productId: number, deviceId: string, at: string): void {
    this.queueStmt.run(rowId, productId, deviceId, at);
  }

  exists(productId: number, deviceId: string): boolean {
    return this.db.prepare('SELECT 1 FROM devices WHERE product_id = ? AND device_id = ?').get(productId, deviceId) !== undefined;
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
