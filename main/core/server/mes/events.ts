import type { Queryable } from '../db/server-db.js';
import { readMesSettings } from './settings.js';

/** The event's `at` as the station writes it: UTC, milliseconds, Z. */
const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Results a station just uplinked become MES events, in the uplink's transaction (so a result
 * on the server always has its event, once: the receipts let each result in once). sn is the
 * result's own (the station scanned it), else the ledger row's; key_version the ledger row's; `push_test` is the result's own when it ended
 * at the push test. Nothing while the server holds no report address.
 */
export async function queueResultEvents(tx: Queryable, station: string, srcRows: readonly number[], at: string): Promise<number> {
  if (srcRows.length === 0 || !(await readMesSettings(tx)).report_url) return 0;
  const r = await tx.query(
    // The id in the select list of a CTE: a volatile call there is made per row (a LATERAL
    // subquery without a reference to the row would be made once for all).
    `WITH u AS (
       SELECT r.*, gen_random_uuid() AS event_id FROM unit_results r
       WHERE r.station = $1 AND r.src_row IN (SELECT x::bigint FROM jsonb_array_elements_text($2::jsonb) AS x))
     INSERT INTO mes_events (event_id, station, body, created_at)
     SELECT u.event_id, $1, jsonb_build_object('event_id', u.event_id::text, 'station', $1::text, 'slot', u.port, 'product_id', u.product_id,
         'device_id', u.device_id, 'hwid', u.hwid, 'sn', COALESCE(u.sn, d.sn), 'result', u.result, 'step', u.step, 'code', u.code,
         'key_version', d.key_version,
         'push_test', CASE WHEN u.step = 'push_test' THEN CASE WHEN u.result = 'FAIL' THEN 'FAIL' ELSE 'PASS' END END,
         'at', ${ISO('u.at')}), $3::timestamptz
     FROM u LEFT JOIN devices d ON d.product_id = u.product_id AND d.device_id = u.device_id
     ORDER BY u.at, u.src_row`,
    [station, JSON.stringify(srcRows), at],
  );
  return r.rowCount;
}

/** Ids a station just reported void (an erase, `devices void`, a clone found), as VOID events. */
export async function queueVoidEvents(tx: Queryable, station: string, ids: readonly { product_id: number; device_id: string }[], at: string): Promise<number> {
  if (ids.length === 0 || !(await readMesSettings(tx)).report_url) return 0;
  const r = await tx.query(
    `WITH d AS (
       SELECT v.*, gen_random_uuid() AS event_id FROM devices v
       JOIN jsonb_to_recordset($2::jsonb) AS k(product_id bigint, device_id text) ON v.product_id = k.product_id AND v.device_id = k.device_id)
     INSERT INTO mes_events (event_id, station, body, created_at)
     SELECT d.event_id, $1, jsonb_build_object('event_id', d.event_id::text, 'station', $1::text, 'slot', d.port, 'product_id', d.product_id,
         'device_id', d.device_id, 'hwid', d.hwid, 'sn', d.sn, 'result', 'VOID', 'step', NULL::text, 'code', NULL::text,
         'key_version', d.key_version, 'push_test', NULL::text, 'at', ${ISO('d.updated_at')}), $3::timestamptz
     FROM d ORDER BY d.updated_at, d.id`,
    [station, JSON.stringify(ids), at],
  );
  return r.rowCount;
}

export interface ServerMesStatus {
  pending: number;
  sent: number;
  refused: number;
  last_error: string | null;
  last_sent_at: string | null;
  next_attempt_at: string | null;
}

export async function serverMesStatus(q: Queryable): Promise<ServerMesStatus> {
  const n = (
    await q.query<{ pending: number; sent: number; refused: number; last_sent_at: string | null }>(
      `SELECT count(*) FILTER (WHERE state = 'pending')::int AS pending, count(*) FILTER (WHERE state = 'sent')::int AS sent,
         count(*) FILTER (WHERE state = 'refused')::int AS refused, max(sent_at) AS last_sent_at FROM mes_events`,
    )
  ).rows[0];
  const s = (await q.query<{ last_error: string | null; next_attempt_at: string | null }>('SELECT last_error, next_attempt_at FROM mes_state WHERE id = 1')).rows[0];
  return { pending: n.pending, sent: n.sent, refused: n.refused, last_sent_at: n.last_sent_at, last_error: s?.last_error ?? null, next_attempt_at: s?.next_attempt_at ?? null };
}
