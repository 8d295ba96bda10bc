import { backoffDelay, type BackoffConfig } from './backoff.js';
import type { Failure } from './transport.js';

export type Attempt<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export interface RetryDeps extends BackoffConfig {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/**
 * Runs `attempt` until it succeeds, `shouldRetry` says no, or maxAttempts is used up, and
 * returns the last outcome rather than throwing: the caller decides what a final failure
 * means (createproduct turns some into PRODUCT_CREATE_OUTCOME_UNKNOWN).
 */
export async function retrying<T>(
  attempt: (n: number) => Promise<Attempt<T>>,
  shouldRetry: (f: Failure) => boolean,
  deps: RetryDeps,
): Promise<Attempt<T>> {
  const max = Math.max(1, Math.floor(deps.maxAttempts));
  for (let n = 1; ; n++) {
    const r = await attempt(n);
    if (r.ok || n >= max || !shouldRetry(r.failure)) return r;
    await deps.sleep(backoffDelay(n, deps, deps.random));
  }
}
