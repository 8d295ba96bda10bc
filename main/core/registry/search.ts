import type { Db } from '../db/open.js';
import { WxError } from '../errors/wx-error.js';
import { DEVICE_STATUSES, type DeviceRow, type DeviceStatus } from './device-store.js';

export interface DeviceQuery {
  product_id?: number;
  /** Exact id, or a prefix when it ends with `*`. */
  device_id?: string;
  hwid?: string;
  status?: DeviceStatus;
  /** created_at bounds, ISO; `to` is exclusive. */
  from?: string;
  to?: string;
  limit?: number;
  /** From a previous page's `next`. */
  cursor?: string;
}

export interface DevicePage {
  rows: DeviceRow[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  next: string | null;
}

export const MAX_PAGE = 500;

const encode = (r: DeviceRow) => Buffer.from(`${r.created_at}|${r.id}`).toString('base64url');

function decode(cursor: string): { created_at: string; id: number } {
  const [created_at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!created_at || !/^\d+$/.test(id ?? '')) throw new WxError('INPUT_INVALID', { field: 'cursor', detail: cursor, allowed: 'the next value of a previous page' });
  return { created_at, id: Number(id) };
}

/**
 * Newest-first keyset paging over the ledger: the cursor is the last row's (created_at, id),
 * so page 10,000 costs what page 1 costs (no OFFSET), and every filter has an index
 * (see migration 0003).
 */
export function searchDevices(db: Db, q: DeviceQuery): DevicePage {
  const where: string[] = [];
  const args: Record<string, string | number> = {};
  if (q.product_id !== undefined) {
    where.push('product_id = @product_id');
    args.product_id = q.product_id;
  }
  if (q.device_id) {
    if (q.device_id.endsWith('*')) {
      where.push('device_id >= @lo AND device_id < @hi');
      args.lo = q.device_id.slice(0, -1);
      args.hi = q.device_id.slice(0, -1) + '\x7f';
    } else {
      where.push('device_id = @device_id');
      args.device_id = q.device_id;
    }
  }
  if (q.hwid) {
    where.push('hwid = @hwid');
    args.hwid = q.hwid;
  }
  if (q.status) {
    if (!DEVICE_STATUSES.includes(q.status)) throw new WxError('INPUT_INVALID', { field: 'status', detail: q.status, allowed: DEVICE_STATUSES.join(' | ') });
    where.push('status = @status');
    args.status = q.status;
  }
  if (q.from) {
    where.push('created_at >= @from');
    args.from = q.from;
  }
  if (q.to) {
    where.push('created_at < @to');
    args.to = q.to;
  }
  if (q.cursor) {
    const c = decode(q.cursor);
    where.push('(created_at < @c_at OR (created_at = @c_at AND id < @c_id))');
    args.c_at = c.created_at;
    args.c_id = c.id;
  }
  const limit = Math.min(Math.max(q.limit ?? 50, 1), MAX_PAGE);
  args.limit = limit + 1;
  const sql = `SELECT * FROM devices ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id DESC LIMIT @limit`;
  const rows = db.prepare(sql).all(args) as DeviceRow[];
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, next: more ? encode(rows[rows.length - 1]) : null };
}
