export interface BackoffConfig {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { maxAttempts: 5, baseMs: 500, capMs: 8000 };

/**
 * Exponential backoff with full jitter: the wait before retry n is uniform in
 * [0, min(cap, base·2^(n-1))). Full jitter rather than a fixed ladder because several
 * stations share one AppID and a busy platform; synchronised retries would hit it together.
 */
export function backoffDelay(failedAttempt: number, cfg: Pick<BackoffConfig, 'baseMs' | 'capMs'>, random: () => number): number {
  const ceiling = Math.min(cfg.capMs, cfg.baseMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.floor(random() * ceiling);
}
