export interface IssuedToken {
  access_token: string;
  expires_in: number;
}

/** Fetches a token from the platform; `forceRefresh` only means something in stable mode. */
export type TokenFetcher = (forceRefresh: boolean) => Promise<IssuedToken>;

// Renew this long before expiry: the platform's stable_token hands out a fresh token in the
// last five minutes, and a token that expires between our check and the call costs a retry.
const RENEW_MARGIN_MS = 5 * 60 * 1000;

/**
 * The access token, cached with its expiry. Concurrent callers share one fetch, so a burst of
 * calls at start-up (or after a rejection) costs one token request, not one each.
 */
export class TokenCache {
  private current?: { token: string; expiresAt: number; marginMs: number };
  private inflight?: Promise<string>;

  constructor(
    private readonly fetcher: TokenFetcher,
    private readonly now: () => number,
    private readonly stableMode: boolean,
  ) {}

  /** A token good for at least the renewal margin, fetched only if the cached one is not. */
  async get(): Promise<string> {
    const c = this.current;
    if (c && c.expiresAt - this.now() > c.marginMs) return c.token;
    return this.fetchShared(false);
  }

  /** Seconds the cached token has left (0 when none). */
  remainingSec(): number {
    const c = this.current;
    return c ? Math.max(0, Math.floor((c.expiresAt - this.now()) / 1000)) : 0;
  }

  /**
   * A replacement for a token an endpoint just rejected. In stable mode a plain request may
   * hand back the very same token (the platform still thinks it valid); only then is
   * force_refresh spent, because it is limited to 20 a day.
   */
  async replaceRejected(rejected: string): Promise<string> {
    let fresh: string;
    if (this.inflight) fresh = await this.inflight;
    else if (this.current && this.current.token !== rejected) return this.current.token; // another caller already replaced it
    else fresh = await this.fetchShared(false);
    if (fresh !== rejected || !this.stableMode) return fresh;
    return this.fetchShared(true);
  }

  private fetchShared(force: boolean): Promise<string> {
    if (this.inflight) return this.inflight;
    const p = (async () => {
      try {
        const issued = await this.fetcher(force);
        const ttlMs = issued.expires_in * 1000;
        // With very short lifetimes (tests, odd proxies) a fixed 5-minute margin would mean
        // a fetch on every call; half the lifetime keeps the cache useful.
        this.current = { token: issued.access_token, expiresAt: this.now() + ttlMs, marginMs: Math.min(RENEW_MARGIN_MS, ttlMs / 2) };
        return issued.access_token;
      } finally {
        this.inflight = undefined;
      }
    })();
    this.inflight = p;
    return p;
  }
}
