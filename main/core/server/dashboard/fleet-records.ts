import type { Writable } from 'node:stream';
import { WxError } from '../../errors/wx-error.js';
import { csvSafeRow } from '../../ids/csv.js';
import { RECORD_COLUMNS } from '../../registry/records.js';
import { writeAll } from '../../util/write-all.js';
import type { DeviceStatus, FleetFilter, FleetPage, FleetRecord } from '../../../../preload/dashboard-types.js';
import type { Param, Queryable } from '../db/server-db.js';

export type { DeviceStatus, FleetFilter, FleetPage, FleetRecord };

export const DEVICE_STATUSES: readonly DeviceStatus[] = ['allocated', 'written', 'verified', 'failed', 'void'];

export interface FleetQuery extends FleetFilter {
  limit?: number;
  /** A previous page's `next`. */
  cursor?: string;
}

export const MAX_PAGE = 500;
const COLS = 'id, device_id, product_id, key_version, signature, hwid, sn, status, station, port, operator, created_at, updated_at, synced_at, last_error';

const encode = (r: FleetRecord) => Buffer.from(`${r.created_at}|${r.id}`).toString('base64url');

function decode(cursor: string): { at: string; id: number } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!at || Number.isNaN(Date.parse(at)) || !/^\d{1,15}$/.test(id ?? '')) throw new WxError('INPUT_INVALID', { field: 'cursor', detail: cursor.slice(0, 60), allowed: 'the next value of a previous page' });
  return { at, id: Number(id) };
}

/**
 * The filter as SQL terms. Each has an index (server migration 0001): device id (exact, or a
 * prefix as a range: the column is COLLATE "C", so a btree range is a prefix), hwid, sn,
 * station with its days, days; product and status narrow what those find. A station code is
 * looked up once in any case, as the admin's records export does.
 */
function terms(f: FleetFilter, args: Param[]): string[] {
  const arg = (v: Param) => `$${args.push(v)}`;
  const where: string[] = [];
  if (f.product_id !== undefined) where.push(`product_id = ${arg(f.product_id)}`);
  if (f.station !== undefined) where.push(`station = (SELECT code FROM stations WHERE lower(code) = lower(${arg(f.station)}))`);
  if (f.status !== undefined) where.push(`status = ${arg(f.status)}`);
  if (f.device_id) {
    if (f.device_id.endsWith('*')) {
      const prefix = f.device_id.slice(0, -1);
      // Ids are [0-9A-Za-z_-]: '~' sorts after every character an id may hold.
      if (prefix) where.push(`device_id >= ${arg(prefix)} AND device_id < ${arg(prefix + '~')}`);
    } else where.push(`device_id = ${arg(f.device_id)}`);
  }
  if (f.hwid) where.push(`hwid = ${arg(f.hwid)}`);
  if (f.sn) where.push(`sn = ${arg(f.sn)}`);
  if (f.from) where.push(`created_at >= ${arg(f.from)}::timestamptz`);
  if (f.to) where.push(`created_at < ${arg(f.to)}::timestamptz`);
  return where;
}

/**
 * Newest first, keyset paged by (created_at, id): page 10,000 costs what page 1 costs. The
 * cursor term is written twice (a plain bound the created_at indexes can use, and the exact
 * row comparison).
 */
export async function searchFleet(q: Queryable, query: FleetQuery): Promise<FleetPage> {
  const args: Param[] = [];
  const where = terms(query, args);
  if (query.cursor) {
    const c = decode(query.cursor);
    const at = `$${args.push(c.at)}::timestamptz`;
    const id = `$${args.push(c.id)}`;
    where.push(`created_at <= ${at} AND (created_at, id) < (${at}, ${id})`);
  }
  const limit = Math.min(Math.max(query.limit ?? 100, 1), MAX_PAGE);
  const rows = (
    await q.query<FleetRecord>(`SELECT ${COLS} FROM devices ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`, args)
  ).rows;
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, next: more ? encode(rows[rows.length - 1]) : null };
}

/**
 * Every row the search finds with this filter, all pages, in the search's order, as the
 * station's records CSV (registry/records.ts: its columns, UTF-8 BOM, every field quoted,
 * CRLF, formula-like cells neutralised: hwid, sn and last_error come from units, scanners and
 * the platform). Streamed page by page with backpressure: an export of millions holds no
 * transaction and no connection for long. Returns the rows written.
 */
export async function exportFleetCsv(q: Queryable, filter: FleetFilter, out: Writable): Promise<number> {
  await writeAll(out, '\uFEFF' + csvSafeRow([...RECORD_COLUMNS], true) + '\r\n');
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await searchFleet(q, { ...filter, limit: MAX_PAGE, cursor });
    let text = '';
    for (const r of page.rows) text += csvSafeRow(RECORD_COLUMNS.map((c) => (r as unknown as Record<string, string | number | null>)[c]), true) + '\r\n';
    if (text) await writeAll(out, text);
    n += page.rows.length;
    cursor = page.next ?? undefined;
  } while (cursor);
  return n;
}
