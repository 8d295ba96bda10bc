export interface BackoffConfig {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { maxAttempts: 5, baseMs: 500, capMs: 8000 };

/**
 * Exponential backoff with jitter: the wait before retry n is uniform in
 * [floor·c, c) where c = min(cap, base·2^(n-1)). Full jitter (floor 0, the API client's)
 * because several stations share one AppID and a busy platform; synchronised retries would hit
 * it together. A background loop (the sync worker) keeps half of it (floor 0.5) so a network
 * that is down is never retried at once. The one backoff formula in the station.
 */
export function backoffDelay(failedAttempt: number, cfg: Pick<BackoffConfig, 'baseMs' | 'capMs'> & { floor?: number }, random: () => number): number {
  const ceiling = Math.min(cfg.capMs, cfg.baseMs * 2 ** Math.max(0, failedAttempt - 1));
  const floor = cfg.floor ?? 0;
  return Math.floor(ceiling * (floor + random() * (1 - floor)));
}
