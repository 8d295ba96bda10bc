import type { IncomingMessage } from 'node:http';
import { newToken, tokenMatches } from './token.js';

/**
 * Who may use the bridge. Scripts show the printed token (header `x-wxprov-token`, or `?token=`
 * where a header cannot be set: EventSource, a download link). The page trades it once for a
 * session cookie, so a reload, a new tab or a download on this machine needs no token in the
 * address; the token itself never has to stay in the page.
 *
 * The cookie holds its own random secret, new for every run: after a restart the old cookie is
 * worth nothing and the page must be opened from the new printed address. It is HttpOnly (no
 * script reads it), SameSite=Strict (no other site's page sends it), without Max-Age (it lives
 * in the browser's memory, not in its cookie file on disk), and not Secure because loopback http
 * is all there is. Its name carries the port: cookies are shared by every port of 127.0.0.1, and
 * two stations on one computer must not log each other out.
 */
export class BridgeSession {
  readonly cookieName: string;
  private readonly secret = newToken();

  constructor(
    readonly token: string,
    port: number,
  ) {
    this.cookieName = `wxprov_session_${port}`;
  }

  /** The Set-Cookie header that gives a browser this run's session. */
  setCookie(): string {
    return `${this.cookieName}=${this.secret}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** The printed token, from the header or (when given) the query. */
  hasToken(req: IncomingMessage, queryToken?: string | null): boolean {
    const header = req.headers['x-wxprov-token'];
    return tokenMatches(this.token, typeof header === 'string' ? header : undefined) || (queryToken != null && tokenMatches(this.token, queryToken));
  }

  /**
   * The session cookie, from our own pages only: Sec-Fetch-Site keeps another page on
   * 127.0.0.1 (same site, other port, so SameSite lets the cookie through) from riding on it.
   * Browsers that do not send the header are old enough to have no SameSite either; the
   * Host and Origin checks still apply.
   */
  hasCookie(req: IncomingMessage): boolean {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    return readCookies(req.headers.cookie, this.cookieName).some((v) => tokenMatches(this.secret, v));
  }

  allows(req: IncomingMessage, queryToken?: string | null): boolean {
    return this.hasToken(req, queryToken) || this.hasCookie(req);
  }
}

/** Every value a Cookie header gives `name` (a browser may send one name twice, for two paths). */
export function readCookies(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}
