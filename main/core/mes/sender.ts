import type { CoreContext } from '../context.js';
import { isWxError } from '../errors/wx-error.js';
import { mesConfig, MES_REPORT_TIMEOUT_MS } from './config.js';
import { MesOutbox, type MesStatusView } from './events.js';
import { postMes, shownUrl, type FetchFn } from './http.js';
import { backoffMs, reportOutcome } from './report-outcome.js';
import { mesToken } from './token.js';

export interface DeliverOptions {
  fetch?: FetchFn;
  /** Stop starting new reports after this instant (ms since epoch): `wxprov flash` gives itself 3 s. */
  deadline?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface DeliverResult {
  sent: number;
  refused: number;
  /** The delivery stopped on a failure (the MES down, no token): the rest waits for the backoff. */
  failed: boolean;
  status: MesStatusView;
}

/** Sent events are marked in groups of this many, or at least this often (ms). */
const MARK_EVERY = 200;
const MARK_MS = 250;

export { backoffMs };

/**
 * Sends the waiting events, oldest first, one at a time, each with `Idempotency-Key: <event_id>`
 * (the same on every attempt: an answer lost after the MES took it sends the same id again).
 * 2xx: sent. 408, 429, 5xx, no answer: stop here, keep the event first in line, note the error
 * and when to try next. Any other 4xx: the MES will never take it; kept as `refused` and the
 * next one goes (one bad event must not hold every later result back).
 */
export async function deliverMes(ctx: Pick<CoreContext, 'db' | 'env' | 'now' | 'log' | 'vault'>, o: DeliverOptions = {}): Promise<DeliverResult> {
  const outbox = new MesOutbox(ctx.db);
  const r = { sent: 0, refused: 0, failed: false };
  const url = mesConfig(ctx).reportUrl;
  const done = () => ({ ...r, status: outbox.status() });
  if (!url) return done();
  const fail = (seq: number | null, error: string) => {
    const at = ctx.now();
    const failures = outbox.failures() + 1;
    outbox.markFailed(seq, at.toISOString(), error, new Date(at.getTime() + backoffMs(failures)).toISOString());
    if (failures === 1 || failures % 20 === 0) ctx.log.warn('mes.report_failed', { error, failures });
    r.failed = true;
    return done();
  };
  let token: string | undefined;
  try {
    token = mesToken(ctx as CoreContext);
  } catch (e) {
    if (isWxError(e)) return fail(null, e.code);
    throw e;
  }
  // Marks go in groups; every exit path writes the ones not written yet first.
  let unmarked: { seq: number; at: string }[] = [];
  let lastMark = Date.now();
  const flush = () => {
    outbox.markSent(unmarked);
    unmarked = [];
    lastMark = Date.now();
  };
  let after = 0;
  let page: ReturnType<MesOutbox['next']> = [];
  try {
    for (;;) {
      if (o.signal?.aborted || (o.deadline !== undefined && Date.now() >= o.deadline)) return finish();
      if (page.length === 0) page = outbox.next(MARK_EVERY, after);
      const ev = page.shift();
      if (!ev) return finish();
      after = ev.seq;
      const timeoutMs = o.deadline === undefined ? (o.timeoutMs ?? MES_REPORT_TIMEOUT_MS) : Math.max(200, Math.min(o.timeoutMs ?? MES_REPORT_TIMEOUT_MS, o.deadline - Date.now()));
      const a = await postMes({ url, body: JSON.parse(ev.body), token, idempotencyKey: ev.event_id, timeoutMs, fetch: o.fetch, signal: o.signal });
      if (a.kind === 'none' && o.signal?.aborted) {
        flush();
        return done();
      }
      const outcome = reportOutcome(a, shownUrl(url));
      if (outcome.kind === 'sent') {
        unmarked.push({ seq: ev.seq, at: ctx.now().toISOString() });
        r.sent++;
        if (unmarked.length >= MARK_EVERY || Date.now() - lastMark >= MARK_MS) flush();
      } else if (outcome.kind === 'retry') {
        flush();
        return fail(ev.seq, outcome.error);
      } else {
        flush();
        outbox.markRefused(ev.seq, ctx.now().toISOString(), outcome.error);
        ctx.log.warn('mes.report_refused', { event_id: ev.event_id, status: a.kind === 'answer' ? a.status : null });
        r.refused++;
      }
    }
  } finally {
    // A throw on the way (the disk, a bug) still records what the MES took.
    if (unmarked.length > 0) flush();
  }

  function finish(): DeliverResult {
    flush();
    return done();
  }
}
