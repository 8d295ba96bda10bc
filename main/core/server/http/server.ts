import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WxError, isWxError, type ErrorPayload } from '../../errors/wx-error.js';
import type { Logger } from '../../log/logger.js';
import { storeFault } from '../db/errors.js';
import { bearer, checkAdmin } from './auth.js';
import { DEFAULT_BODY_LIMIT, readJsonBody } from './body.js';
import type { Router, StationPrincipal } from './router.js';
import { statusFor } from './status.js';

export interface HttpsServerOptions {
  keyPem: string;
  certPem: string;
  router: Router;
  adminToken: string;
  /** The station a credential belongs to; throws FLEET_UNAUTHORIZED / FLEET_STATION_REVOKED. */
  authenticateStation(credential: string): Promise<StationPrincipal>;
  /** What an authenticated station's call reports of it (the dashboard keeps its uplink backlog). */
  onStationCall?(station: string, headers: IncomingMessage['headers']): Promise<void>;
  /** A 'dashboard' route's session: throws FLEET_LOGIN_REQUIRED without a live one (none set: every such route is refused). */
  authenticateDashboard?(cookieHeader: string | undefined): void;
  log: Logger;
  host: string;
  port: number;
}

export interface RunningHttpsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  // Answers carry credentials and enrolment codes at times: never kept by a cache.
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

function send(res: ServerResponse, status: number, body: unknown, close = false, extra: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, { ...HEADERS, ...extra, 'content-length': Buffer.byteLength(text), ...(close ? { connection: 'close' } : {}) });
  res.end(text);
}

/** An error as a client sees it: its payload, except that an unexpected one says nothing of the server's insides. */
function publicPayload(e: unknown): ErrorPayload {
  if (isWxError(e) && e.code !== 'INTERNAL') return e.toPayload();
  return new WxError('INTERNAL', { detail: 'see the server log' }).toPayload();
}

/**
 * The server's HTTPS front: TLS 1.2+, a route table, auth per route before any body is read,
 * JSON in and out, errors as `{"error": ErrorPayload}` with the HTTP status for their code,
 * and one log line per request (method, path, status, time, station; never a header or body).
 */
export async function startHttpsServer(o: HttpsServerOptions): Promise<RunningHttpsServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const remote = req.socket.remoteAddress ?? '';
    const method = req.method ?? 'GET';
    let path = '/';
    let status = 500;
    let station: string | undefined;
    let code: string | undefined;
    try {
      const url = new URL(req.url ?? '/', 'https://server.invalid');
      path = url.pathname;
      const m = o.router.match(method, path);
      if ('none' in m) {
        status = m.none === 'method' ? 405 : 404;
        throw new WxError('FLEET_NO_ROUTE', { method, path });
      }
      const { route, params } = m;
      let principal: StationPrincipal | undefined;
      if (route.auth === 'admin') checkAdmin(req.headers.authorization, o.adminToken, remote);
      else if (route.auth === 'station') {
        const credential = bearer(req.headers.authorization);
        if (!credential) throw new WxError('FLEET_UNAUTHORIZED');
        principal = await o.authenticateStation(credential);
        station = principal.code;
        await o.onStationCall?.(principal.code, req.headers);
      } else if (route.auth === 'dashboard') {
        if (!o.authenticateDashboard) throw new WxError('FLEET_LOGIN_REQUIRED');
        o.authenticateDashboard(req.headers.cookie);
      }
      const run = async () => {
        const body = method === 'POST' ? await readJsonBody(req, route.bodyLimit ?? DEFAULT_BODY_LIMIT) : undefined;
        return route.handle({ method, path, query: url.searchParams, params, body, headers: req.headers, station: principal, remote, log: o.log });
      };
      // Authenticated, the call waits its turn before its body is read: a waiting body stays in the network's buffers.
      const answer = route.gate ? await route.gate.run(run) : await run();
      status = answer.status ?? 200;
      if (answer.stream) {
        res.writeHead(status, { ...HEADERS, 'content-type': answer.stream.contentType, ...answer.headers });
        try {
          await answer.stream.write(res);
        } catch (e) {
          code = 'STREAM_CUT';
          o.log.error('http.stream_failed', { method, path, error: e instanceof Error ? e.message : String(e) });
          res.destroy();
          return;
        }
        res.end();
      } else send(res, status, answer.body, false, answer.headers);
    } catch (raw) {
      const e = storeFault(raw);
      const p = publicPayload(e);
      code = p.code;
      if (status !== 404 && status !== 405) status = statusFor(p.code);
      if (!isWxError(e) || e.code === 'INTERNAL') o.log.error('http.internal', { method, path, error: e instanceof Error ? e.stack : String(e) });
      // A body cut off half way leaves bytes on the connection: it cannot carry another request.
      send(res, status, { error: p }, p.code === 'FLEET_BODY_TOO_LARGE');
    } finally {
      o.log.info('http', { method, path, status, ms: Math.round(performance.now() - started), remote, ...(station ? { station } : {}), ...(code ? { code } : {}) });
    }
  };

  const server = https.createServer({ key: o.keyPem, cert: o.certPem, minVersion: 'TLSv1.2' }, (req, res) => void handle(req, res));
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  // A TLS handshake that fails (a client that does not pin this certificate, a port scanner) is the client's problem.
  server.on('tlsClientError', (e) => o.log.debug('tls.client_error', { error: e.message }));

  await new Promise<void>((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) => reject(new WxError('FLEET_LISTEN_FAILED', { listen: `${o.host}:${o.port}`, detail: e.code ?? e.message }, { cause: e }));
    server.once('error', fail);
    server.listen(o.port, o.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    host: o.host,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        // In-flight requests get a few seconds to finish; idle keep-alive connections, and a
        // client that connected and never asked, must not hold the stop open.
        const force = setTimeout(() => server.closeAllConnections(), 3000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

