import type { Writable } from 'node:stream';
import type { Db } from '../db/open.js';
import { csvSafeRow } from '../ids/csv.js';
import { writeAll } from '../util/write-all.js';
import { filterTerms, PREFIX_RANGE, type DeviceFilter } from './search.js';

export const RECORD_COLUMNS = [
  'device_id',
  'product_id',
  'key_version',
  'signature',
  'hwid',
  'status',
  'station',
  'port',
  'created_at',
  'synced_at',
  'sn',
  'operator',
  'last_error',
] as const;

/** The records screen's filter (the same rows as records.search), plus the CLI's `--since`. */
export interface RecordFilter extends DeviceFilter {
  /** ISO date or timestamp; rows created at or after it. */
  since?: string;
}

/**
 * Streams the ledger without loading it: one statement iterated row by row, written in
 * chunks with backpressure. CSV is for Excel/WPS (UTF-8 BOM so Chinese text opens right,
 * every field quoted so ids with leading zeros stay text-like, formula-like cells neutralised,
 * a device id `-x` included, as `'-x`); JSON is one array with the values as stored.
 */
export async function exportRecords(db: Db, filter: RecordFilter, format: 'csv' | 'json', out: Writable): Promise<number> {
  // The search's own terms: an export cannot pick other rows than the screen shows.
  const { where, args, prefix } = filterTerms(filter);
  if (prefix) where.push(...PREFIX_RANGE);
  if (filter.since !== undefined) {
    where.push('created_at >= @since');
    args.since = filter.since;
  }
  const sql = `SELECT ${RECORD_COLUMNS.join(', ')} FROM devices ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at, id`;
  let n = 0;
  let buf: string[] = [];
  const flush = async () => {
    if (buf.length) await writeAll(out, buf.join(''));
    buf = [];
  };
  buf.push(format === 'csv' ? '\uFEFF' + csvSafeRow([...RECORD_COLUMNS], true) + '\r\n' : '[');
  for (const row of db.prepare(sql).iterate(args) as Iterable<Record<string, string | number | null>>) {
    if (format === 'csv') buf.push(csvSafeRow(RECORD_COLUMNS.map((c) => row[c]), true) + '\r\n');
    else buf.push((n === 0 ? '\n' : ',\n') + JSON.stringify(row));
    n++;
    if (buf.length >= 1000) await flush();
  }
  buf.push(format === 'csv' ? '' : n === 0 ? ']\n' : '\n]\n');
  await flush();
  return n;
}
