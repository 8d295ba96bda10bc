import { WxError, isWxError, toPayload, type ErrorPayload } from '../../errors/wx-error.js';
import type { Logger } from '../../log/logger.js';
import { beijingTime, nextQuotaReset } from '../../registry/quota-time.js';
import { SyncStop, refusal, sendSplitting } from '../../registry/sync-batch.js';
import type { WechatClient } from '../../wechat/client.js';
import type { Queryable, ServerDb } from '../db/server-db.js';
import { readRegistrationState, writeRegistrationState } from './state.js';

/** Ids per adddevice call unless told: the station's default. */
export const DEFAULT_REGISTRATION_BATCH = 100;

export interface RegistrationDeps {
  db: ServerDb;
  wechat: () => WechatClient;
  now: () => Date;
  log: Logger;
  /** Who this worker is, for the settings row's updated_by and the logs. */
  worker?: string;
}

export interface RegistrationResult {
  synced: number;
  failed: number;
  /** Registrations of ids voided meanwhile, found when claimed, cancelled instead of sent. */
  cancelled: number;
  pending: number;
  calls: number;
  /** Ids by outcome, as on a station: `synced`, the code each refused id failed with, the code that left the rest pending. */
  by_code: Record<string, number>;
  /** What stopped the pass; everything not synced is still queued. */
  error?: ErrorPayload;
  paused_until?: string;
  /** Ids the platform refused (marked failed), with the first refusal. */
  refused?: ErrorPayload;
  /** Products passed over (no model name): their ids stay queued. */
  skipped?: { product_id: number; error: ErrorPayload }[];
}

interface Claimed {
  id: number;
  device_id: string;
  device_status: string;
}

const count = (by: Record<string, number>, code: string, n: number) => {
  if (n > 0) by[code] = (by[code] ?? 0) + n;
};

const ids = (rows: { id: number }[]) => JSON.stringify(rows.map((r) => r.id));

/** Products with something pending, one index probe each (a loose index scan: no pass over every pending row). */
async function pendingProducts(q: Queryable): Promise<number[]> {
  const r = await q.query<{ id: number }>(
    `WITH RECURSIVE p AS (
       SELECT min(product_id) AS id FROM registrations WHERE state = 'pending'
       UNION ALL
       SELECT (SELECT min(product_id) FROM registrations WHERE state = 'pending' AND product_id > p.id) FROM p WHERE p.id IS NOT NULL)
     SELECT id FROM p WHERE id IS NOT NULL`,
  );
  return r.rows.map((x) => x.id);
}

const pendingCount = async (q: Queryable): Promise<number> => (await q.query<{ n: number }>("SELECT count(*)::int AS n FROM registrations WHERE state = 'pending'")).rows[0].n;

/**
 * One registration pass on the server: the station's sync rules (registry/sync-batch.ts) over
 * the fleet's `registrations`. Per product, batches of pending ids are claimed
 * `FOR UPDATE SKIP LOCKED` — another worker (this server's background loop, `wxprov server
 * sync`, a second server on the same database) claims other rows — and sent with adddevice
 * while the claim is held; the transaction that claimed them records the answer and commits:
 * errcode 0 only marks them synced (and the ledger's synced_at), a bad-id answer splits the
 * batch until the id is alone and fails it, anything else notes the attempt, keeps them
 * pending and stops the pass (45009: paused until Beijing midnight). A process killed during
 * the call rolls the claim back: the batch is sent again later, re-adding is harmless, and
 * nothing is marked that the platform did not answer.
 *
 * Embedded (PGlite), the claim holds the store's one backend during the call, so requests wait
 * that long; real PostgreSQL holds only the claimed rows.
 */
export async function registrationPass(d: RegistrationDeps, o: { batchSize?: number } = {}): Promise<RegistrationResult> {
  const batch = o.batchSize ?? DEFAULT_REGISTRATION_BATCH;
  const by = d.worker ?? 'server';
  const result: RegistrationResult = { synced: 0, failed: 0, cancelled: 0, pending: 0, calls: 0, by_code: {} };
  const state = await readRegistrationState(d.db);
  if (state.paused_until && new Date(state.paused_until) > d.now()) {
    result.pending = await pendingCount(d.db);
    result.paused_until = state.paused_until;
    result.error = new WxError('FLEET_SYNC_PAUSED', { until: state.paused_until, until_beijing: beijingTime(state.paused_until), reason: state.last_error ?? '' }).toPayload();
    count(result.by_code, 'FLEET_SYNC_PAUSED', result.pending);
    return result;
  }
  let firstRefusal: WxError | undefined;
  let stop: unknown;
  products: for (const productId of await pendingProducts(d.db)) {
    const model = (await d.db.query<{ model_name: string | null }>('SELECT model_name FROM products WHERE product_id = $1', [productId])).rows[0]?.model_name;
    if (!model) {
      // A product's own setup, not the platform's answer: the other products go on.
      (result.skipped ??= []).push({ product_id: productId, error: new WxError('PRODUCT_MODEL_MISSING', { product_id: productId }).toPayload() });
      continue;
    }
    for (let after = 0; ; ) {
      const step = await d.db.transaction(async (tx) => {
        const claimed = (
          await tx.query<Claimed>(
            `SELECT r.id, r.device_id, d.status AS device_status FROM registrations r
             JOIN devices d ON d.product_id = r.product_id AND d.device_id = r.device_id
             WHERE r.product_id = $1 AND r.state = 'pending' AND r.id > $2 ORDER BY r.id LIMIT $3 FOR UPDATE OF r SKIP LOCKED`,
            [productId, after, batch],
          )
        ).rows;
        if (claimed.length === 0) return { done: true as const };
        const at = () => d.now().toISOString();
        const dead = claimed.filter((c) => c.device_status === 'void');
        if (dead.length > 0) {
          await tx.query("UPDATE registrations SET state = 'cancelled', updated_at = $2::timestamptz, last_error = 'void' WHERE id IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint)", [ids(dead), at()]);
          result.cancelled += dead.length;
        }
        const live = claimed.filter((c) => c.device_status !== 'void');
        try {
          if (live.length > 0) {
            await sendSplitting(
              live,
              (list) => d.wechat().addDevice(productId, model, list),
              {
                synced: async (rows) => {
                  const now = at();
                  await tx.query(
                    `UPDATE registrations SET state = 'synced', synced_at = $2::timestamptz, updated_at = $2::timestamptz, attempts = attempts + 1, last_error = NULL
                     WHERE id IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint)`,
                    [ids(rows), now],
                  );
                  // In id order, as the uplink locks them: two writers never wait on each other in a circle.
                  await tx.query(
                    `UPDATE devices d SET synced_at = $3::timestamptz FROM (
                       SELECT id FROM devices WHERE product_id = $1 AND device_id IN (SELECT jsonb_array_elements_text($2::jsonb)) AND synced_at IS NULL
                       ORDER BY device_id FOR UPDATE) s
                     WHERE d.id = s.id`,
                    [productId, JSON.stringify(rows.map((r) => r.device_id)), now],
                  );
                  result.synced += rows.length;
                  count(result.by_code, 'synced', rows.length);
                },
                refused: async (row, reason, e) => {
                  await tx.query("UPDATE registrations SET state = 'failed', last_error = $2, attempts = attempts + 1, updated_at = $3::timestamptz WHERE id = $1", [row.id, reason, at()]);
                  result.failed++;
                  firstRefusal ??= e;
                  count(result.by_code, e.code, 1);
                },
                stopped: async (rows, code) => {
                  await tx.query('UPDATE registrations SET attempts = attempts + 1, last_error = $2, updated_at = $3::timestamptz WHERE id IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint)', [
                    ids(rows),
                    code,
                    at(),
                  ]);
                },
              },
              () => result.calls++,
            );
          }
        } catch (e) {
          // The attempt is recorded with the claim: commit it, then stop.
          if (e instanceof SyncStop) return { done: true as const, stop: e.reason };
          throw e;
        }
        return { done: false as const, last: claimed.at(-1)!.id };
      });
      if ('stop' in step) {
        stop = step.stop;
        break products;
      }
      if (step.done) break;
      after = step.last;
    }
  }
  const at = d.now();
  if (stop !== undefined) {
    const quota = isWxError(stop) && stop.code === 'WX_QUOTA_EXCEEDED';
    const until = quota ? nextQuotaReset(at).toISOString() : null;
    const payload = toPayload(stop);
    await writeRegistrationState(d.db, { paused_until: until, last_error: payload.code, last_errcode: payload.errcode ?? null, last_error_at: at.toISOString() }, at.toISOString(), by);
    result.error = payload;
    if (until) result.paused_until = until;
    d.log.warn('registration.stopped', { code: payload.code, errcode: payload.errcode, errmsg: payload.params?.errmsg, paused_until: until });
  } else if (result.calls > 0 || state.last_error || state.paused_until) {
    await writeRegistrationState(d.db, { paused_until: null, last_error: null, last_errcode: null, ...(result.calls > 0 ? { last_success_at: at.toISOString() } : {}) }, at.toISOString(), by);
  }
  result.pending = await pendingCount(d.db);
  if (firstRefusal) {
    result.refused = new WxError('FLEET_SYNC_IDS_REFUSED', { count: result.failed, reason: refusal(firstRefusal) }, { errcode: firstRefusal.errcode }).toPayload();
  }
  count(result.by_code, result.error?.code ?? 'pending', result.pending);
  if (result.calls > 0 || result.error) d.log.info('registration.pass', { synced: result.synced, failed: result.failed, cancelled: result.cancelled, pending: result.pending, calls: result.calls, by_code: result.by_code });
  return result;
}
