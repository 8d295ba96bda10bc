import type { Logger } from '../../log/logger.js';
import { postMes, shownUrl, type FetchFn } from '../../mes/http.js';
import { MES_REPORT_TIMEOUT_MS } from '../../mes/config.js';
import { backoffMs, reportOutcome } from '../../mes/report-outcome.js';
import type { Queryable } from '../db/server-db.js';
import { serverMesStatus, type ServerMesStatus } from './events.js';
import { readMesSettings } from './settings.js';

export interface ServerMesDeps {
  db: Queryable;
  now: () => Date;
  log: Logger;
  /** WXPROV_MES_TOKEN of the server's environment: the stations never see it. */
  token?: string;
  fetch?: FetchFn;
}

export interface ServerDeliverResult {
  sent: number;
  refused: number;
  failed: boolean;
  status: ServerMesStatus;
}

const PAGE = 200;

/**
 * The server's report outbox to the MES, as a station's (mes/sender.ts): oldest first, one at
 * a time, `Idempotency-Key` = the event id made when the event was written; 2xx sent, 408 / 429
 * / 5xx / no answer stop and back off, any other 4xx refused and the next goes. Sent marks go
 * per page: a restart in between sends those again under their ids. One sender per server
 * process (ServerMesWorker runs one delivery at a time; a server home runs one process).
 */
export async function deliverServerMes(d: ServerMesDeps, o: { signal?: AbortSignal } = {}): Promise<ServerDeliverResult> {
  const r = { sent: 0, refused: 0, failed: false };
  const url = (await readMesSettings(d.db)).report_url;
  const done = async () => ({ ...r, status: await serverMesStatus(d.db) });
  if (!url) return done();
  let sent: number[] = [];
  const flush = async () => {
    if (sent.length === 0) return;
    await d.db.query(
      `UPDATE mes_events SET state = 'sent', sent_at = $2::timestamptz, attempts = attempts + 1, last_error = NULL
       WHERE state = 'pending' AND seq IN (SELECT x::bigint FROM jsonb_array_elements_text($1::jsonb) AS x)`,
      [JSON.stringify(sent), d.now().toISOString()],
    );
    await d.db.query('UPDATE mes_state SET last_error = NULL, last_error_at = NULL, next_attempt_at = NULL, failures = 0 WHERE id = 1');
    sent = [];
  };
  try {
    for (;;) {
      const page = (await d.db.query<{ seq: number; event_id: string; body: Record<string, unknown> }>(
        "SELECT seq, event_id::text AS event_id, body FROM mes_events WHERE state = 'pending' ORDER BY seq LIMIT $1",
        [PAGE],
      )).rows;
      if (page.length === 0) return await done();
      for (const ev of page) {
        if (o.signal?.aborted) return await done();
        const a = await postMes({ url, body: ev.body, token: d.token, idempotencyKey: ev.event_id, timeoutMs: MES_REPORT_TIMEOUT_MS, fetch: d.fetch, signal: o.signal });
        if (a.kind === 'none' && o.signal?.aborted) return await done();
        const outcome = reportOutcome(a, shownUrl(url));
        if (outcome.kind === 'sent') {
          sent.push(ev.seq);
          r.sent++;
          continue;
        }
        await flush();
        const at = d.now();
        if (outcome.kind === 'refused') {
          await d.db.query("UPDATE mes_events SET state = 'refused', attempts = attempts + 1, last_error = $2 WHERE seq = $1", [ev.seq, outcome.error]);
          await d.db.query('UPDATE mes_state SET last_error = $1, last_error_at = $2::timestamptz WHERE id = 1', [outcome.error, at.toISOString()]);
          d.log.warn('mes.report_refused', { event_id: ev.event_id, station: ev.body.station as string });
          r.refused++;
          continue;
        }
        await d.db.query('UPDATE mes_events SET attempts = attempts + 1, last_error = $2 WHERE seq = $1', [ev.seq, outcome.error]);
        const failures = (
          await d.db.query<{ failures: number }>('UPDATE mes_state SET failures = failures + 1, last_error = $1, last_error_at = $2::timestamptz WHERE id = 1 RETURNING failures', [
            outcome.error,
            at.toISOString(),
          ])
        ).rows[0].failures;
        await d.db.query('UPDATE mes_state SET next_attempt_at = $1::timestamptz WHERE id = 1', [new Date(at.getTime() + backoffMs(failures)).toISOString()]);
        if (failures === 1 || failures % 20 === 0) d.log.warn('mes.report_failed', { error: outcome.error, failures });
        r.failed = true;
        return await done();
      }
      await flush();
    }
  } finally {
    await flush();
  }
}
