import type { Writable } from 'node:stream';
import { WxError } from '../../errors/wx-error.js';
import { csvSafeRow } from '../../ids/csv.js';
import { RECORD_COLUMNS } from '../../registry/records.js';
import { writeAll } from '../../util/write-all.js';
import type { Param, Queryable } from '../db/server-db.js';

export interface FleetRecordFilter {
  product_id?: number;
  station?: string;
  /** ISO; rows created at or after it. */
  since?: string;
}

export type RecordFormat = 'csv' | 'json';

/** Rows per query: each page is its own short statement, so an export of millions holds no transaction and no connection for long. */
const PAGE = 2000;

type Row = Record<(typeof RECORD_COLUMNS)[number], string | number | null> & { id: number };

/**
 * The fleet ledger as a station exports its own (registry/records.ts): the same keys in the
 * same order, `station` always set (every server row has one), CSV for Excel/WPS (UTF-8 BOM,
 * every field quoted, formula-like cells neutralised) or one JSON array. Streamed: keyset
 * pages in (created_at, id) order, each written with backpressure before the next is read.
 * A row whose created_at a station's report moves while the export runs can land on either
 * side of the cursor (the station's allocation time replaces the mint time): run it again for
 * a report to the minute.
 */
export async function exportFleetRecords(q: Queryable, filter: FleetRecordFilter, format: RecordFormat, out: Writable): Promise<number> {
  const where: string[] = [];
  const args: Param[] = [];
  const arg = (v: Param) => `$${args.push(v)}`;
  if (filter.product_id !== undefined) where.push(`product_id = ${arg(filter.product_id)}`);
  // Codes are one station whatever their case (A1 = a1): the stored spelling is looked up once.
  if (filter.station !== undefined) where.push(`station = (SELECT code FROM stations WHERE lower(code) = lower(${arg(filter.station)}))`);
  if (filter.since !== undefined) {
    if (Number.isNaN(Date.parse(filter.since))) throw new WxError('INPUT_INVALID', { field: '--since', detail: filter.since, allowed: 'a date like 2026-11-28 or 2026-11-28T08:00:00Z' });
    where.push(`created_at >= ${arg(filter.since)}::timestamptz`);
  }
  const cols = `id, ${RECORD_COLUMNS.join(', ')}`;
  let n = 0;
  await writeAll(out, format === 'csv' ? '\uFEFF' + csvSafeRow([...RECORD_COLUMNS], true) + '\r\n' : '[');
  let cursor: { at: string; id: number } | undefined;
  for (;;) {
    const page = [...args];
    const terms = [...where];
    if (cursor) {
      const a = `$${page.push(cursor.at)}::timestamptz`;
      const b = `$${page.push(cursor.id)}`;
      terms.push(`created_at >= ${a} AND (created_at, id) > (${a}, ${b})`);
    }
    const rows = (await q.query<Row>(`SELECT ${cols} FROM devices ${terms.length ? `WHERE ${terms.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT ${PAGE}`, page)).rows;
    if (rows.length === 0) break;
    let text = '';
    for (const row of rows) {
      if (format === 'csv') text += csvSafeRow(RECORD_COLUMNS.map((c) => row[c]), true) + '\r\n';
      else text += (n === 0 ? '\n' : ',\n') + JSON.stringify(Object.fromEntries(RECORD_COLUMNS.map((c) => [c, row[c]])));
      n++;
    }
    await writeAll(out, text);
    const last = rows.at(-1)!;
    cursor = { at: last.created_at as string, id: last.id };
    if (rows.length < PAGE) break;
  }
  await writeAll(out, format === 'csv' ? '' : n === 0 ? ']\n' : '\n]\n');
  return n;
}
