import type { CoreContext } from '../context.js';
import { WxError, isWxError, toPayload, type ErrorPayload } from '../errors/wx-error.js';
import type { ErrorCode } from '../errors/codes.js';
import { ProductService } from '../products/product-service.js';
import { Outbox, type PendingRow } from './outbox.js';
import { Settings } from './settings.js';

export interface SyncResult {
  synced: number;
  failed: number;
  pending: number;
  calls: number;
  /** Why the run stopped early, if it did; everything not synced is still queued. */
  error?: ErrorPayload;
  paused_until?: string;
}

export interface SyncOptions {
  batchSize?: number;
  onProgress?: (p: { done: number; total: number }) => void;
}

/** Answers that mean "something in this batch is wrong": split it to find the culprit. */
const SPLIT_ON = new Set<ErrorCode>(['WX_INVALID_ARGS', 'WX_PLATFORM_ERROR', 'INPUT_BAD_DEVICE_ID']);

/** Why the platform refused one id, in words an engineer can act on (its own errmsg when it gave one). */
function refusal(e: unknown): string {
  if (!isWxError(e)) return String(e);
  const said = typeof e.params.errmsg === 'string' && e.params.errmsg ? e.params.errmsg : e.message;
  return `${e.code}${e.errcode !== undefined ? ` (${e.errcode})` : ''}: ${said}`;
}

/** The daily quota resets at midnight Beijing time (UTC+8). */
export function nextQuotaReset(now: Date): Date {
  const beijing = new Date(now.getTime() + 8 * 3600_000);
  const midnight = Date.UTC(beijing.getUTCFullYear(), beijing.getUTCMonth(), beijing.getUTCDate() + 1);
  return new Date(midnight - 8 * 3600_000);
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
 * skips nothing. A batch the platform rejects is split until the bad id is alone; that one
 * is marked failed with the reason and the rest go through.
 */
export async function syncOnce(ctx: CoreContext, opts: SyncOptions = {}): Promise<SyncResult> {
  const outbox = new Outbox(ctx.db);
  const products = new ProductService(ctx);
  const batchSize = opts.batchSize ?? new Settings(ctx.db).batchSize();
  const result: SyncResult = { synced: 0, failed: 0, pending: 0, calls: 0 };
  const total = outbox.stats().pending;
  const progress = () => opts.onProgress?.({ done: result.synced + result.failed, total });

  const paused = outbox.state().paused_until;
  if (paused && new Date(paused) > ctx.now()) {
    result.pending = total;
    result.paused_until = paused;
    result.error = new WxError('SYNC_PAUSED', { until: paused, reason: outbox.state().last_error ?? '' }).toPayload();
    return result;
  }
  if (total === 0) return result;

  const send = async (productId: number, model: string, rows: PendingRow[]): Promise<void> => {
    try {
      result.calls++;
      await ctx.wechat().addDevice(productId, model, rows.map((r) => r.device_id));
    } catch (e) {
      const code = isWxError(e) ? e.code : 'INTERNAL';
      if (SPLIT_ON.has(code)) {
        if (rows.length === 1) {
          outbox.markFailed(rows[0], refusal(e), ctx.now().toISOString());
          result.failed++;
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
    ctx.log.warn('sync.stopped', { code: payload.code, errcode: payload.errcode, paused_until: until });
  }
  result.pending = outbox.stats().pending;
  ctx.log.info('sync.done', { synced: result.synced, failed: result.failed, pending: result.pending, calls: result.calls });
  return result;
}
