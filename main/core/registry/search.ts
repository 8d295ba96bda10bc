import type { Db } from '../db/open.js';
import { WxError } from '../errors/wx-error.js';
import { DEVICE_STATUSES, type DeviceRow, type DeviceStatus } from './device-store.js';

/** What picks rows from the ledger: the same for a search and for an export. */
export interface DeviceFilter {
  product_id?: number;
  /** Exact id, or a prefix when it ends with `*`. */
  device_id?: string;
  hwid?: string;
  status?: DeviceStatus;
  /** created_at bounds, ISO; `to` is exclusive. */
  from?: string;
  to?: string;
}

export interface DeviceQuery extends DeviceFilter {
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

/** A prefix shared by fewer ids than this is served from the device-id index, matches sorted by date. */
export const PREFIX_FEW = 20_000;
/** A prefix shared by more is first looked for among this many newest rows (below the cursor). */
export const RECENT_WINDOW = 10_000;

const ORDER = 'ORDER BY created_at DESC, id DESC';

/**
 * Newest-first keyset paging over the ledger: the cursor is the last row's (created_at, id),
 * so page 10,000 costs what page 1 costs (no OFFSET), and every filter has an index
 * (see migrations 0003 and 0007).
 *
 * A device-id prefix is the one filter whose index does not come in date order, so it gets
 * its own plan (bench/registry.ts measures all three):
 * - few matches (the usual: a station-day, a batch): walk them on the (device_id, created_at)
 *   index and sort them — cost grows with the number of matches, never with the ledger;
 * - many matches (a station, a product family: "FR*"): walk the newest RECENT_WINDOW rows in
 *   date order and keep the matches; a page is nearly always found there, and when it is,
 *   it is the right page, since every row outside the window is older than every row in it;
 * - many matches, all old: back to the first plan.
 * Whatever the plan, the page is chosen as row ids first, so no sort carries whole rows.
 */
export function searchDevices(db: Db, q: DeviceQuery): DevicePage {
  const { where, args, prefix } = filterTerms(q);
  const below: string[] = [];
  if (q.cursor) {
    const c = decode(q.cursor);
    below.push('(created_at < @c_at OR (created_at = @c_at AND id < @c_id))');
    args.c_at = c.created_at;
    args.c_id = c.id;
  }
  const limit = Math.min(Math.max(q.limit ?? 50, 1), MAX_PAGE);
  args.limit = limit + 1;

  const cond = (terms: string[]) => (terms.length ? `WHERE ${terms.join(' AND ')}` : '');
  const pageIds = (terms: string[]): number[] =>
    db.prepare(`SELECT id FROM devices ${cond([...terms, ...below])} ${ORDER} LIMIT @limit`).pluck().all(args) as number[];

  let ids: number[] | undefined;
  if (prefix) {
    const matches = db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM devices WHERE ${PREFIX_RANGE.join(' AND ')} LIMIT ${PREFIX_FEW})`).pluck().get(args) as number;
    if (matches >= PREFIX_FEW) {
      const edge = db.prepare(`SELECT created_at FROM devices ${cond(below)} ${ORDER} LIMIT 1 OFFSET ${RECENT_WINDOW}`).pluck().get(args) as string | undefined;
      // `+` keeps the planner off the device-id index: this plan walks rows in date order.
      const window = [...where, '+device_id >= @lo', '+device_id < @hi'];
      if (edge !== undefined) {
        window.push('created_at >= @edge');
        args.edge = edge;
      }
      const found = pageIds(window);
      if (found.length > limit || edge === undefined) ids = found;
    }
    ids ??= pageIds([...where, ...PREFIX_RANGE]);
  } else {
    ids = pageIds(where);
  }
  const rows = ids.length
    ? (db.prepare(`SELECT * FROM devices WHERE id IN (SELECT value FROM json_each(?)) ${ORDER}`).all(JSON.stringify(ids)) as DeviceRow[])
    : [];
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, next: more ? encode(rows[rows.length - 1]) : null };
}

/** A device-id prefix as a range on the id: `@lo` ≤ id < `@hi`. */
export const PREFIX_RANGE = ['device_id >= @lo', 'device_id < @hi'];

/**
 * A filter as SQL terms over `devices` with named parameters. A device-id prefix is left out
 * of `where` (its range is PREFIX_RANGE, `@lo`/`@hi` set in args): the search chooses how to
 * walk it, an export simply adds the range.
 */
export function filterTerms(q: DeviceFilter): { where: string[]; args: Record<string, string | number>; prefix: boolean } {
  const where: string[] = [];
  const args: Record<string, string | number> = {};
  let prefix = false;
  if (q.product_id !== undefined) {
    where.push('product_id = @product_id');
    args.product_id = q.product_id;
  }
  if (q.device_id) {
    if (q.device_id.endsWith('*')) {
      prefix = true;
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
  return { where, args, prefix };
}
