import type { ErrorCode } from '../errors/codes.js';
import { WxError, isWxError } from '../errors/wx-error.js';
import { beijingTime, stationTime } from './quota-time.js';

/**
 * The registration rules every adddevice sender follows — a station's `syncOnce` over its
 * SQLite outbox and the factory server's worker over its `registrations` (server/registrations)
 * — kept here once, free of any store: what counts as success, when a batch is split, and why
 * a run stops.
 */

/**
 * The only answers that mean "a bad id in this list": the batch is split to find it and that
 * id alone is marked failed. 40097 is the platform's invalid-args answer (it names the id);
 * INPUT_BAD_DEVICE_ID is our own check refusing an id before the call. Anything else (an
 * errcode we do not know, -1 after retries, a bad answer, auth) says nothing about one id:
 * splitting on it once turned 250 ids into 497 calls and 250 false failures, so it stops the
 * run instead with everything kept queued.
 */
export const BAD_ID_IN_LIST: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['WX_INVALID_ARGS', 'INPUT_BAD_DEVICE_ID']);

/** Why the platform refused one id, in words an engineer can act on (its own errmsg when it gave one). */
export function refusal(e: unknown): string {
  if (!isWxError(e)) return String(e);
  const said = typeof e.params.errmsg === 'string' && e.params.errmsg ? e.params.errmsg : e.message;
  return `${e.code}${e.errcode !== undefined ? ` (${e.errcode})` : ''}: ${said}`;
}

/** SYNC_PAUSED for a pause until `until` (ISO), with the time the people read (local) and the platform counts in (Beijing). */
export function pausedError(until: string, reason: string): WxError {
  return new WxError('SYNC_PAUSED', { until, until_local: stationTime(until), until_beijing: beijingTime(until), reason });
}

/** Unwinds a run; `reason` is the failure that stopped it (the rows it was sending stay queued). */
export class SyncStop extends Error {
  constructor(readonly reason: unknown) {
    super('sync stopped');
  }
}

/** What the sender does with each outcome, in its own store. */
export interface SplitSink<R> {
  /** The platform took these ids (errcode 0 only). */
  synced(rows: R[]): void | Promise<void>;
  /** A batch of this one id was refused with a BAD_ID_IN_LIST answer: this id, and only it, failed. */
  refused(row: R, reason: string, error: WxError): void | Promise<void>;
  /** Any other failure: these rows stay queued (an attempt noted) and the run stops. */
  stopped(rows: R[], code: string): void | Promise<void>;
}

/**
 * Sends one batch with `call`. A batch refused for a bad id is halved until the bad id is
 * alone, which alone is refused; the rest go through. Any other failure reports the batch as
 * stopped and throws SyncStop: nothing is marked failed on a guess. `onCall` counts calls.
 */
export async function sendSplitting<R extends { device_id: string }>(
  rows: R[],
  call: (ids: string[]) => Promise<void>,
  sink: SplitSink<R>,
  onCall: () => void = () => {},
): Promise<void> {
  try {
    onCall();
    await call(rows.map((r) => r.device_id));
  } catch (e) {
    const code = isWxError(e) ? e.code : 'INTERNAL';
    if (BAD_ID_IN_LIST.has(code as ErrorCode)) {
      if (rows.length === 1) return void (await sink.refused(rows[0], refusal(e), e as WxError));
      const mid = Math.ceil(rows.length / 2);
      await sendSplitting(rows.slice(0, mid), call, sink, onCall);
      await sendSplitting(rows.slice(mid), call, sink, onCall);
      return;
    }
    await sink.stopped(rows, code);
    throw new SyncStop(e);
  }
  await sink.synced(rows);
}
