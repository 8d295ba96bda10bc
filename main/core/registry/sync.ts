import type { CoreContext } from '../context.js';
import { WxError, isWxError, toPayload, type ErrorPayload } from '../errors/wx-error.js';
import type { ErrorCode } from '../errors/codes.js';
import { ProductService } from '../products/product-service.js';
import { Outbox, type PendingRow } from './outbox.js';
import { beijingTime, nextQuotaReset, stationTime } from './quota-time.js';
import { Settings } from './settings.js';

export { nextQuotaReset } from './quota-time.js';

export interface SyncResult {
  synced: number;
  failed: number;
  pending: number;
  calls: number;
  /** Why the run stopped early, if it did; everything not synced is still queued. */
  error?: ErrorPayload;
  paused_until?: string;
  /**
   * Ids by outcome: `synced`, the code each refused id was marked failed with, and the code
   * that left the rest pending (e.g. {"synced": 98, "WX_INVALID_ARGS": 2}).
   */
  by_code: Record<string, number>;
  /** Ids were refused and marked failed: SYNC_IDS_REFUSED with how many and the first refusal. */
  refused?: ErrorPayload;
}

export interface SyncOptions {
  batchSize?: number;
  onProgress?: (p: { done: number; total: number }) => void;
}

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
function refusal(e: unknown): string {
  if (!isWxError(e)) return String(e);
  const said = typeof e.params.errmsg === 'string' && e.params.errmsg ? e.params.errmsg : e.message;
  return `${e.code}${e.errcode !== undefined ? ` (${e.errcode})` : ''}: ${said}`;
}

/** SYNC_PAUSED for a pause until `until` (ISO), with the time the station's people read. */
export function pausedError(until: string, reason: string): WxError {
  return new WxError('SYNC_PAUSED', { until, until_local: stationTime(until), until_beijing: beijingTime(until), reason });
}

const count = (by: Record<string, number>, code: string, n: number) => {
  if (n > 0) by[code] = (by[code] ?? 0) + n;
};

/**
 * Lifts a quota pause before it runs out (the quota was raised, or the pause came from a wrong
 * clock), audited with the actor. The next sync goes on; if the quota is still used up, the
 * platform says 45009 again and the pause comes back.
 */
export function resumeSync(ctx: CoreContext): { resumed: boolean; was_paused_until: string | null } {
  const station = new Settings(ctx.db).get('station_code') ?? null;
  const was = new Outbox(ctx.db).resume(ctx.actor, station, ctx.now().toISOString());
  if (was) ctx.log.info('sync.resume', { actor: ctx.actor, was_paused_until: was });
  return { resumed: was !== null, was_paused_until: was };
}

/** Unwinds the batch loop; `reason` is what stopped it. */
class Stop extends Error {
  constructor(readonly reason: unknown) {
    super('sync stopped');
  }
}

/**
 * Drains the outbox once: per product, pages of pending ids in batches (never one call per
 * device). A batch is marked synced in the same transaction that records the answer, so a
 * process killed in between sends that batch again on restart (re-adding is harmless) and
 * skips nothing. A batch refused for a bad id (BAD_ID_IN_LIST) is split until the bad id is
 * alone; that one is marked failed with the reason and the rest go through. Any other failure
 * stops the run: nothing is marked failed on a guess.
 */
export async function syncOnce(ctx: CoreContext, opts: SyncOptions = {}): Promise<SyncResult> {
  const outbox = new Outbox(ctx.db);
  const products = new ProductService(ctx);
  const batchSize = opts.batchSize ?? new Settings(ctx.db).batchSize();
  const result: SyncResult = { synced: 0, failed: 0, pending: 0, calls: 0, by_code: {} };
  const total = outbox.stats().pending;
  const progress = () => opts.onProgress?.({ done: result.synced + result.failed, total });
  let firstRefusal: WxError | undefined;

  const paused = outbox.state().paused_until;
  if (paused && new Date(paused) > ctx.now()) {
    result.pending = total;
    result.paused_until = paused;
    result.error = pausedError(paused, outbox.state().last_error ?? '').toPayload();
    count(result.by_code, 'SYNC_PAUSED', total);
    return result;
  }
  if (total === 0) return result;

  const send = async (productId: number, model: string, rows: PendingRow[]): Promise<void> => {
    try {
      result.calls++;
      await ctx.wechat().addDevice(productId, model, rows.map((r) => r.device_id));
    } catch (e) {
      const code = isWxError(e) ? e.code : 'INTERNAL';
      if (BAD_ID_IN_LIST.has(code)) {
        if (rows.length === 1) {
          outbox.markFailed(rows[0], refusal(e), ctx.now().toISOString());
          result.failed++;
          firstRefusal ??= e as WxError;
          count(result.by_code, code, 1);
          progress();
          return;
        }
        const mid = Math.ceil(rows.length / 2);
        await send(productId, model, rows.slice(0, mid));
        await send(productId, model, rows.slice(mid));
        return;
      }
      outbox.noteAttempt(rows, code);
      throw new Stop(e);
    }
    outbox.markSynced(rows, ctx.now().toISOString());
    result.synced += rows.length;
    count(result.by_code, 'synced', rows.length);
    progress();
  };

  try {
    for (const productId of outbox.pendingProducts()) {
      const p = products.require(productId);
      if (!p.model_name) throw new Stop(new WxError('PRODUCT_MODEL_MISSING', { product_id: productId }));
      let after = 0;
      for (;;) {
        const page = outbox.pendingPage(productId, after, batchSize);
        if (page.length === 0) break;
        after = page[page.length - 1].id;
        await send(productId, p.model_name, page);
      }
    }
    outbox.setError(null, null, ctx.now().toISOString());
  } catch (e) {
    const cause = e instanceof Stop ? e.reason : e;
    const at = ctx.now();
    const quota = isWxError(cause) && cause.code === 'WX_QUOTA_EXCEEDED';
    const until = quota ? nextQuotaReset(at).toISOString() : null;
    const payload = toPayload(cause);
    outbox.setError(payload.code, payload.errcode ?? null, at.toISOString(), until);
    result.error = payload;
    if (until) result.paused_until = until;
    ctx.log.warn('sync.stopped', { code: payload.code, errcode: payload.errcode, errmsg: payload.params?.errmsg, paused_until: until });
  }
  result.pending = outbox.stats().pending;
  if (firstRefusal) {
    result.refused = new WxError('SYNC_IDS_REFUSED', { count: result.failed, reason: refusal(firstRefusal) }, { errcode: firstRefusal.errcode }).toPayload();
  }
  count(result.by_code, result.error?.code ?? 'pending', result.pending);
  ctx.log.info('sync.done', { synced: result.synced, failed: result.failed, pending: result.pending, calls: result.calls, by_code: result.by_code });
  return result;
}
