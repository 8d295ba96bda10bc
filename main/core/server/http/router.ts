import type { Gate } from '../../util/gate.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Writable } from 'node:stream';
import type { Logger } from '../../log/logger.js';

/** Who may call a route: anyone (join), a joined station (its credential), the admin (the token in server.json), or the dashboard's logged-in admin (its session cookie). */
export type Auth = 'none' | 'station' | 'admin' | 'dashboard';

export interface StationPrincipal {
  code: string;
}

export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  body: unknown;
  headers: IncomingHttpHeaders;
  /** Set on 'station' routes: the station whose credential came with the request. */
  station?: StationPrincipal;
  remote: string;
  log: Logger;
}

export interface Answer {
  status?: number;
  /** JSON (unless `stream` is given). */
  body?: unknown;
  /**
   * A long answer written as it is produced (chunked), e.g. the records export. Once it has
   * started, a failure can no longer change the status: the connection is cut instead, so the
   * client sees an incomplete answer rather than a short one that looks whole.
   */
  stream?: { contentType: string; write(out: Writable): Promise<void> };
  /** Headers of this answer on top of the front's own (a cookie, the dashboard's CSP and caching). */
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST';
  /** `/v1/join`; a segment `:name` matches one segment, given in params. */
  path: string;
  auth: Auth;
  /** Bytes of JSON body accepted (body.ts DEFAULT_BODY_LIMIT when not given). */
  bodyLimit?: number;
  /** At most so many calls at once, the rest waiting after their authentication and before their body is read. */
  gate?: Gate;
  handle(ctx: RequestContext): Promise<Answer>;
}

export type Match = { route: Route; params: Record<string, string> } | { none: 'path' | 'method' };

const split = (p: string) => p.split('/').filter(Boolean);

/** A table of routes, matched segment by segment: small, and each route states its auth next to its path. */
export class Router {
  private readonly routes: Route[] = [];

  add(...routes: Route[]): this {
    this.routes.push(...routes);
    return this;
  }

  match(method: string, path: string): Match {
    const parts = split(path);
    let pathMatched = false;
    for (const r of this.routes) {
      const want = split(r.path);
      if (want.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = want.every((w, i) => {
        if (w.startsWith(':')) {
          // A malformed escape (/assets/%E0%A4) names nothing here: no match (404), not a URIError answered as a 500.
          try {
            params[w.slice(1)] = decodeURIComponent(parts[i]);
            return true;
          } catch {
            return false;
          }
        }
        return w === parts[i];
      });
      if (!ok) continue;
      pathMatched = true;
      if (r.method === method) return { route: r, params };
    }
    return { none: pathMatched ? 'method' : 'path' };
  }
}
