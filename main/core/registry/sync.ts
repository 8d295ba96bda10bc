import type { CoreContext } from '../context.js';
import { WxError, isWxError, toPayload, type ErrorPayload } from '../errors/wx-error.js';
import { ProductService } from '../products/product-service.js';
import { Outbox, type PendingRow } from './outbox.js';
import { nextQuotaReset } from './quota-time.js';
import { Settings } from './settings.js';
import { SyncStop, pausedError, refusal, sendSplitting } from './sync-batch.js';

export { nextQuotaReset } from './quota-time.js';
export { BAD_ID_IN_LIST, pausedError } from './sync-batch.js';

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

  const send = (productId: number, model: string, rows: PendingRow[]): Promise<void> =>
    sendSplitting(
      rows,
      (ids) => ctx.wechat().addDevice(productId, model, ids),
      {
        synced: (done) => {
          outbox.markSynced(done, ctx.now().toISOString());
          result.synced += done.length;
          count(result.by_code, 'synced', done.length);
          progress();
        },
        refused: (row, reason, e) => {
          outbox.markFailed(row, reason, ctx.now().toISOString());
          result.failed++;
          firstRefusal ??= e;
          count(result.by_code, e.code, 1);
          progress();
        },
        stopped: (kept, code) => outbox.noteAttempt(kept, code),
      },
      () => result.calls++,
    );

  try {
    for (const productId of outbox.pendingProducts()) {
      const p = products.require(productId);
      if (!p.model_name) throw new SyncStop(new WxError('PRODUCT_MODEL_MISSING', { product_id: productId }));
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
    const cause = e instanceof SyncStop ? e.reason : e;
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
