import crypto from 'node:crypto';

interface Issued {
  token: string;
  expiresAt: number;
  expired: boolean;
  revoked: boolean;
}

/**
 * Access tokens the way the platform hands them out. /cgi-bin/token issues a new token each
 * time and kills the previous one (immediately here; the platform allows a few minutes, but
 * the point for tests is the knock-out). /cgi-bin/stable_token keeps one token and returns it
 * until it is within the renewal window of its expiry, or force_refresh is asked for.
 */
export class SimTokens {
  private readonly issued = new Map<string, Issued>();
  private plain?: Issued;
  private stableTok?: Issued;

  constructor(
    private readonly ttlSec: number,
    private readonly now: () => number,
  ) {}

  // The platform renews a stable token in its last 5 minutes; short test lifetimes scale down.
  private get renewWindowMs(): number {
    return Math.min(300, this.ttlSec / 2) * 1000;
  }

  issuePlain(): { access_token: string; expires_in: number } {
    if (this.plain) this.plain.revoked = true;
    this.plain = this.mint();
    return this.answer(this.plain);
  }

  /**
   * A revoked stable token is still handed out without force_refresh: that is how the real
   * thing behaves when the token was invalidated behind its back, and it is what makes a
   * client fall back to force_refresh.
   */
  stable(forceRefresh: boolean): { access_token: string; expires_in: number } {
    const c = this.stableTok;
    const usable = c && !c.expired && c.expiresAt - this.now() > this.renewWindowMs;
    if (!forceRefresh && c && usable) return this.answer(c);
    if (c && forceRefresh) c.revoked = true;
    this.stableTok = this.mint();
    return this.answer(this.stableTok);
  }

  /** 0 when the token may be used, else the errcode the platform answers. */
  check(token: string | null): number {
    if (!token) return 41001;
    const t = this.issued.get(token);
    if (!t || t.revoked) return 40001;
    if (t.expired || this.now() >= t.expiresAt) return 42001;
    return 0;
  }

  /** Every token ever handed out: lets a test scan logs and files for them. */
  all(): string[] {
    return [...this.issued.keys()];
  }

  expireAll(): void {
    for (const t of this.issued.values()) t.expired = true;
  }

  revokeAll(): void {
    for (const t of this.issued.values()) t.revoked = true;
  }

  private mint(): Issued {
    // Real tokens are long base64-ish strings; the same length exercises the 512-char reserve.
    const t: Issued = { token: crypto.randomBytes(96).toString('base64url'), expiresAt: this.now() + this.ttlSec * 1000, expired: false, revoked: false };
    this.issued.set(t.token, t);
    return t;
  }

  private answer(t: Issued): { access_token: string; expires_in: number } {
    return { access_token: t.token, expires_in: Math.max(0, Math.floor((t.expiresAt - this.now()) / 1000)) };
  }
}
