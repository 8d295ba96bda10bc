import type { Logger } from '../log/logger.js';
import { MES_REPORT_TIMEOUT_MS } from './config.js';
import { postMes, shownUrl, type FetchFn } from './http.js';
import { reportOutcome } from './report-outcome.js';

/** What the outbox's state says (`wxprov mes status`, `wxprov server mes status`). */
export interface OutboxStatus {
  pending: number;
  last_error: string | null;
  last_sent_at: string | null;
  /** Events the MES refused outright (4xx): kept, not sent again. */
  refused: number;
  sent: number;
  next_attempt_at: string | null;
}

export interface PendingReport {
  seq: number;
  event_id: string;
  body: Record<string, unknown>;
}

/** A report outbox: the station's in SQLite (mes/events.ts), the server's in its store (server/mes/events.ts). */
export interface ReportOutbox {
  /** The oldest waiting events after `afterSeq` (those taken but not marked yet). */
  next(limit: number, afterSeq: number): PendingReport[] | Promise<PendingReport[]>;
  /** Events the MES took, marked at once; the outbox's failure count and last error cleared. */
  markSent(sent: readonly { seq: number; at: string }[]): void | Promise<void>;
  /** The MES refused the event outright: kept with its reason, not sent again. */
  markRefused(seq: number, at: string, error: string): void | Promise<void>;
  /** No delivery now: the failure counted, the next attempt set after its backoff; the failures in a row. */
  markFailed(seq: number | null, at: Date, error: string): number | Promise<number>;
  status(): OutboxStatus | Promise<OutboxStatus>;
}

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
  status: OutboxStatus;
}

/** Sent events are marked in groups of this many, or at least this often (ms). */
const MARK_EVERY = 200;
const MARK_MS = 250;

/** Counts a failure that stopped the delivery (the MES, or a token that cannot be had), logged on the first and every 20th in a row. */
export async function noteFailure(outbox: ReportOutbox, seq: number | null, at: Date, error: string, log: Logger): Promise<void> {
  const failures = await outbox.markFailed(seq, at, error);
  if (failures === 1 || failures % 20 === 0) log.warn('mes.report_failed', { error, failures });
}

/**
 * Sends the waiting events of an outbox, the station's and the server's alike: oldest first,
 * one at a time, each with `Idempotency-Key: <event_id>` (the same on every attempt: an answer
 * lost after the MES took it sends the same id again). 2xx: sent — marked in groups (one disk
 * flush per event would bound the rate at the disk's; a kill before the mark sends them again
 * under their ids, which the MES counts once). 408, 429, 5xx, no answer: stop here, keep the
 * event first in line, note the error and when to try next. Any other 4xx: the MES will never
 * take it; kept as `refused` and the next one goes (one bad event must not hold every later
 * result back).
 */
export async function deliverReports(
  outbox: ReportOutbox,
  d: { url: string; token?: string; now: () => Date; log: Logger },
  o: DeliverOptions = {},
): Promise<DeliverResult> {
  const r = { sent: 0, refused: 0, failed: false };
  const done = async () => ({ ...r, status: await outbox.status() });
  // Marks go in groups; every exit path writes the ones not written yet first.
  let unmarked: { seq: number; at: string }[] = [];
  let lastMark = Date.now();
  const flush = async () => {
    if (unmarked.length > 0) await outbox.markSent(unmarked);
    unmarked = [];
    lastMark = Date.now();
  };
  let after = 0;
  let page: PendingReport[] = [];
  try {
    for (;;) {
      if (o.signal?.aborted || (o.deadline !== undefined && Date.now() >= o.deadline)) break;
      if (page.length === 0) page = await outbox.next(MARK_EVERY, after);
      const ev = page.shift();
      if (!ev) break;
      after = ev.seq;
      const timeoutMs = o.deadline === undefined ? (o.timeoutMs ?? MES_REPORT_TIMEOUT_MS) : Math.max(200, Math.min(o.timeoutMs ?? MES_REPORT_TIMEOUT_MS, o.deadline - Date.now()));
      const a = await postMes({ url: d.url, body: ev.body, token: d.token, idempotencyKey: ev.event_id, timeoutMs, fetch: o.fetch, signal: o.signal });
      if (a.kind === 'none' && o.signal?.aborted) break;
      const outcome = reportOutcome(a, shownUrl(d.url));
      if (outcome.kind === 'sent') {
        unmarked.push({ seq: ev.seq, at: d.now().toISOString() });
        r.sent++;
        if (unmarked.length >= MARK_EVERY || Date.now() - lastMark >= MARK_MS) await flush();
        continue;
      }
      await flush();
      if (outcome.kind === 'retry') {
        await noteFailure(outbox, ev.seq, d.now(), outcome.error, d.log);
        r.failed = true;
        break;
      }
      await outbox.markRefused(ev.seq, d.now().toISOString(), outcome.error);
      d.log.warn('mes.report_refused', { event_id: ev.event_id, station: ev.body.station as string | null, status: a.kind === 'answer' ? a.status : null });
      r.refused++;
    }
  } finally {
    // A throw on the way (the disk, a bug) still records what the MES took.
    await flush();
  }
  return done();
}
