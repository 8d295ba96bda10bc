import crypto from 'node:crypto';
import { WxError } from '../../errors/wx-error.js';

/**
 * The session cookie. `__Host-` makes the browser keep it only if it is Secure, for this
 * host alone (no Domain) and for every path: another site under the same name cannot plant
 * or read it. HttpOnly: the page's scripts never see it. SameSite=Strict: no other site's page
 * can send a request that carries it. No Max-Age: it ends with the browser; the server ends
 * it sooner (idle and absolute limits below).
 */
export const SESSION_COOKIE = '__Host-wxprov-fleet';

export interface SessionOptions {
  now?: () => number;
  /** A session unused this long ends (8 h: a shift). */
  idleMs?: number;
  /** …and any session ends this long after the login (12 h). */
  maxMs?: number;
  /** Sessions kept at most; the oldest end first beyond it. */
  max?: number;
}

interface Session {
  created: number;
  seen: number;
}

const hash = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The dashboard's logins, in this process's memory: a random 32-byte token in the cookie,
 * its SHA-256 here (a memory dump shows no usable token). A restart ends every session: the
 * administrator logs in again. Nothing of a session is in the store or the log.
 */
export class DashboardSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;
  private readonly idleMs: number;
  private readonly maxMs: number;
  private readonly max: number;

  constructor(o: SessionOptions = {}) {
    this.now = o.now ?? Date.now;
    this.idleMs = o.idleMs ?? 8 * 3600_000;
    this.maxMs = o.maxMs ?? 12 * 3600_000;
    this.max = o.max ?? 1000;
  }

  /** A new session; its token goes only into the Set-Cookie of the login's answer. */
  create(): string {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = this.now();
    for (const [k, s] of this.sessions) if (!this.live(s, now)) this.sessions.delete(k);
    while (this.sessions.size >= this.max) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(hash(token), { created: now, seen: now });
    return token;
  }

  /** The request's session is live (and now seen), else FLEET_LOGIN_REQUIRED. */
  check(cookieHeader: string | undefined): void {
    const token = cookieValue(cookieHeader, SESSION_COOKIE);
    const key = token ? hash(token) : undefined;
    const s = key ? this.sessions.get(key) : undefined;
    const now = this.now();
    if (!s || !this.live(s, now)) {
      if (key) this.sessions.delete(key);
      throw new WxError('FLEET_LOGIN_REQUIRED');
    }
    s.seen = now;
  }

  /** Logout: the request's session ends (none is fine). */
  end(cookieHeader: string | undefined): void {
    const token = cookieValue(cookieHeader, SESSION_COOKIE);
    if (token) this.sessions.delete(hash(token));
  }

  private live(s: Session, now: number): boolean {
    return now - s.seen < this.idleMs && now - s.created < this.maxMs;
  }
}

export const sessionCookie = (token: string): string => `${SESSION_COOKIE}=${token}; Path=/; Secure; HttpOnly; SameSite=Strict`;
export const clearedCookie = (): string => `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`;
