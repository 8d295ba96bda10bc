import type { OutboxStatus, PendingReport, ReportOutbox } from '../../mes/deliver.js';
import { backoffMs } from '../../mes/report-outcome.js';
import type { Queryable } from '../db/server-db.js';
import { readMesSettings } from './settings.js';

/** The event's `at` as the station writes it: UTC, milliseconds, Z. */
const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * What a station just uplinked becomes MES events, in the uplink's transaction (so a result on
 * the server always has its event, once: the receipts let each result in once): its new
 * results, then the ids it reported void. Nothing while the server holds no report address
 * (read once per batch, and only when the batch brought either).
 */
export async function queueMesEvents(tx: Queryable, station: string, srcRows: readonly number[], voided: readonly { product_id: number; device_id: string }[], at: string): Promise<void> {
  if (srcRows.length === 0 && voided.length === 0) return;
  if (!(await readMesSettings(tx)).report_url) return;
  if (srcRows.length > 0) await queueResultEvents(tx, station, srcRows, at);
  if (voided.length > 0) await queueVoidEvents(tx, station, voided, at);
}

/**
 * Results as events: sn is the result's own (the station scanned it), else the ledger row's;
 * key_version the ledger row's; `push_test` the result's own when it ended at the push test.
 */
async function queueResultEvents(tx: Queryable, station: string, srcRows: readonly number[], at: string): Promise<void> {
  await tx.query(
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
}

/** Ids a station just reported void (an erase, `devices void`, a clone found), as VOID events. */
async function queueVoidEvents(tx: Queryable, station: string, ids: readonly { product_id: number; device_id: string }[], at: string): Promise<void> {
  await tx.query(
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
}

export type ServerMesStatus = OutboxStatus;

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

/**
 * The server's report outbox (migration 0008), as mes/deliver.ts sends from it. One sender per
 * server process (ServerMesWorker runs one delivery at a time; a server home runs one process).
 */
export class ServerMesOutbox implements ReportOutbox {
  constructor(private readonly q: Queryable) {}

  async next(limit: number, afterSeq: number): Promise<PendingReport[]> {
    return (
      await this.q.query<PendingReport>(
        "SELECT seq, event_id::text AS event_id, body FROM mes_events WHERE state = 'pending' AND seq > $2 ORDER BY seq LIMIT $1",
        [limit, afterSeq],
      )
    ).rows;
  }

  async markSent(sent: readonly { seq: number; at: string }[]): Promise<void> {
    if (sent.length === 0) return;
    await this.q.query(
      `UPDATE mes_events e SET state = 'sent', sent_at = s.at, attempts = attempts + 1, last_error = NULL
       FROM jsonb_to_recordset($1::jsonb) AS s(seq bigint, at timestamptz) WHERE e.seq = s.seq AND e.state = 'pending'`,
      [JSON.stringify(sent)],
    );
    await this.q.query('UPDATE mes_state SET last_error = NULL, last_error_at = NULL, next_attempt_at = NULL, failures = 0 WHERE id = 1');
  }

  async markRefused(seq: number, at: string, error: string): Promise<void> {
    await this.q.query("UPDATE mes_events SET state = 'refused', attempts = attempts + 1, last_error = $2 WHERE seq = $1 AND state = 'pending'", [seq, error]);
    await this.q.query('UPDATE mes_state SET last_error = $1, last_error_at = $2::timestamptz WHERE id = 1', [error, at]);
  }

  async markFailed(seq: number | null, at: Date, error: string): Promise<number> {
    if (seq !== null) await this.q.query('UPDATE mes_events SET attempts = attempts + 1, last_error = $2 WHERE seq = $1', [seq, error]);
    const failures = (
      await this.q.query<{ failures: number }>('UPDATE mes_state SET failures = failures + 1, last_error = $1, last_error_at = $2::timestamptz WHERE id = 1 RETURNING failures', [error, at.toISOString()])
    ).rows[0].failures;
    await this.q.query('UPDATE mes_state SET next_attempt_at = $1::timestamptz WHERE id = 1', [new Date(at.getTime() + backoffMs(failures)).toISOString()]);
    return failures;
  }

  status(): Promise<OutboxStatus> {
    return serverMesStatus(this.q);
  }
}
