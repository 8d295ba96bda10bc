import type { Queryable } from '../db/server-db.js';
import type { ConflictKind, ConflictView } from '../../../../preload/dashboard-types.js';

export type { ConflictKind, ConflictView };

export const CONFLICT_VIEW = `SELECT c.id, c.kind, c.product_id, c.device_id, c.hwid, c.station, c.other_product_id, c.other_device_id, c.other_hwid,
  c.other_station, c.first_seen, c.last_seen, c.seen FROM conflicts c`;

/** One side of a conflict. */
export interface Side {
  product_id: number;
  device_id: string;
  hwid: string | null;
  station: string;
}

export interface FoundConflict {
  kind: ConflictKind;
  /** What the ledger holds. */
  held: Side;
  /** What a station reported. */
  reported: Side;
  /** The reported row as it came (kept: a report that is not applied to the ledger is not lost). */
  detail: Record<string, unknown>;
}

const idOf = (s: Side) => `${s.product_id}/${s.device_id}`;

/** The pair, whichever side was seen first: the same conflict reported again is one row. */
export function conflictKey(c: FoundConflict): string {
  if (c.kind === 'id_two_units') return `${idOf(c.held)}|${[c.held.hwid ?? '', c.reported.hwid ?? ''].sort().join('|')}`;
  return `${c.held.hwid}|${[idOf(c.held), idOf(c.reported)].sort().join('|')}`;
}

/**
 * Records what was found, in the caller's transaction: new pairs are inserted (and stamped for
 * both stations' downlinks), known ones only counted again. Returns every one as it stands.
 */
export async function recordConflicts(q: Queryable, found: readonly FoundConflict[], at: string): Promise<ConflictView[]> {
  if (found.length === 0) return [];
  const rows = found.map((c) => ({
    kind: c.kind,
    key: conflictKey(c),
    product_id: c.held.product_id,
    device_id: c.held.device_id,
    hwid: c.held.hwid,
    station: c.held.station,
    other_product_id: c.reported.product_id,
    other_device_id: c.reported.device_id,
    other_hwid: c.reported.hwid,
    other_station: c.reported.station,
    detail: c.detail,
  }));
  const r = await q.query<ConflictView>(
    `INSERT INTO conflicts AS c (kind, key, product_id, device_id, hwid, station, other_product_id, other_device_id, other_hwid, other_station, detail, first_seen, last_seen)
     SELECT x.kind, x.key, x.product_id, x.device_id, x.hwid, x.station, x.other_product_id, x.other_device_id, x.other_hwid, x.other_station, x.detail, $2::timestamptz, $2::timestamptz
     FROM jsonb_to_recordset($1::jsonb) AS x(kind text, key text, product_id bigint, device_id text, hwid text, station text, other_product_id bigint,
       other_device_id text, other_hwid text, other_station text, detail jsonb)
     ON CONFLICT (kind, key) DO UPDATE SET last_seen = EXCLUDED.last_seen, seen = c.seen + 1
     RETURNING c.id, c.kind, c.product_id, c.device_id, c.hwid, c.station, c.other_product_id, c.other_device_id, c.other_hwid, c.other_station, c.first_seen, c.last_seen, c.seen`,
    [JSON.stringify(dedupe(rows)), at],
  );
  return r.rows;
}

/** ON CONFLICT DO UPDATE may touch a row once per statement: one entry per key. */
function dedupe<T extends { kind: string; key: string }>(rows: T[]): T[] {
  const seen = new Map<string, T>();
  for (const r of rows) if (!seen.has(`${r.kind}\n${r.key}`)) seen.set(`${r.kind}\n${r.key}`, r);
  return [...seen.values()];
}

/** Every conflict, newest first, with what was reported (the admin's list). */
export async function listConflicts(q: Queryable): Promise<(ConflictView & { detail: Record<string, unknown> })[]> {
  return (await q.query<ConflictView & { detail: Record<string, unknown> }>(`${CONFLICT_VIEW.replace(' FROM conflicts c', ', c.detail FROM conflicts c')} ORDER BY c.id DESC`)).rows;
}
