import http from 'node:http';
import path from 'node:path';
import type { EventName, Handlers } from '../../../../preload/contract.js';
import { WxError, toPayload } from '../../errors/wx-error.js';
import { handleInvoke } from './api.js';
import { HEARTBEAT_MS, openEventStream } from './events.js';
import { DOWNLOAD_NAME, serveAsset, serveDownload, serveIndex } from './files.js';
import { sendNoSessionJson, sendNoSessionPage } from './no-session.js';
import { forbidden, sendJson, sendText } from './respond.js';
import { hostAllowed, originAllowed, setSecurityHeaders } from './security.js';
import { BridgeSession } from './session.js';
import { newToken } from './token.js';

export interface BridgeOptions {
  /** The contract's handler table (the AppService's). */
  handlers: Handlers;
  /** Subscribes to the core's pushes; returns the unsubscribe. */
  onEvent(cb: (name: EventName, payload: unknown) => void): () => void;
  /** The built renderer: index.html and assets/. */
  staticDir: string;
  /** Loopback only; anything else is refused. */
  host?: '127.0.0.1';
  /** 0 (the default) picks a free port. */
  port?: number;
  /** A token to require; a fresh random one when omitted. */
  token?: string;
  /**
   * Where `records.export` writes its files. The folder of every file a `records.export`
   * answer names is allowed too, so the bridge serves what the AppService reports.
   */
  exportsDir?: string | (() => string | null | undefined);
  /** How often the event stream says the station is alive (1 s). */
  heartbeatMs?: number;
}

export interface Bridge {
  /** http://127.0.0.1:<port>/?token=<t>: the page, ready to open. */
  url: string;
  port: number;
  token: string;
  /** The session cookie's name (it carries the port). */
  cookieName: string;
  server: http.Server;
  close(): Promise<void>;
}

type ExportInput = Parameters<Handlers['records.export']>[0];

/**
 * The loopback bridge of `wxprov ui`: the same contract the Electron IPC serves, over HTTP on
 * 127.0.0.1 with a per-run token, so the renderer runs in a plain browser against the real core.
 * "Session" below is the printed token in the x-wxprov-token header (scripts) or this run's
 * session cookie (the page, see session.ts).
 *
 *   POST /api/<name>        session                         JSON body (≤ 1 MB) → 200 JSON Result
 *   GET  /api/events        session or ?token=              Server-Sent Events, event name = EventName, plus `heartbeat`
 *   GET  /api/ping          session or ?token=              204: the page's probe while it reconnects
 *   GET  /download/<file>   session or ?token=              an export (records-*.csv) only
 *   GET  /  (/index.html)   ?token= (sets the cookie), or the cookie    the page
 *   GET  /assets/*          nothing                         Vite's hashed bundles (no data)
 *   anything else           403
 *
 * Without a session the page is a short bilingual page saying how to get in, /api answers a
 * UI_SESSION_REQUIRED Result, both 403. Every request must name us in Host (127.0.0.1:<port>
 * or localhost:<port>: DNS rebinding) and must not come from another Origin.
 */
export async function startBridge(o: BridgeOptions): Promise<Bridge> {
  if (o.host !== undefined && o.host !== '127.0.0.1') {
    throw new WxError('CONFIG_INVALID', { name: 'host', detail: String(o.host), allowed: '127.0.0.1' });
  }
  const token = o.token ?? newToken();
  const heartbeatMs = o.heartbeatMs ?? HEARTBEAT_MS;
  const staticDir = path.resolve(o.staticDir);
  const learnedDirs = new Set<string>();
  const streams = new Set<() => void>();

  const exportDirs = (): string[] => {
    const configured = typeof o.exportsDir === 'function' ? o.exportsDir() : o.exportsDir;
    return [...(configured ? [path.resolve(configured)] : []), ...learnedDirs];
  };

  const handlers: Handlers = {
    ...o.handlers,
    'records.export': async (input: ExportInput) => {
      const value = await o.handlers['records.export'](input);
      const base = value?.file ? path.basename(value.file) : '';
      if (!DOWNLOAD_NAME.test(base)) return { ...value, url: null };
      learnedDirs.add(path.dirname(path.resolve(value.file)));
      // No token in it: the page downloads with its cookie; a script adds its header.
      return { ...value, url: `/download/${encodeURIComponent(base)}` };
    },
  };

  let port = 0;
  // Made once the port is known (the cookie is named after it); no request comes before.
  let session!: BridgeSession;
  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    if (!hostAllowed(req, port) || !originAllowed(req, port)) return forbidden(res);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return forbidden(res);
    }
    const p = url.pathname;
    const method = req.method ?? 'GET';
    const isGet = method === 'GET' || method === 'HEAD';
    const queryToken = url.searchParams.get('token');

    if (p === '/api/events') {
      if (!session.allows(req, queryToken)) return sendNoSessionJson(res);
      if (method !== 'GET') return sendText(res, 405, 'Method not allowed\n', { Allow: 'GET' });
      const end = openEventStream(res, o.onEvent, heartbeatMs);
      streams.add(end);
      res.on('close', () => streams.delete(end));
      return;
    }
    if (p === '/api/ping') {
      if (!session.allows(req, queryToken)) return sendNoSessionJson(res);
      if (!isGet) return sendText(res, 405, 'Method not allowed\n', { Allow: 'GET' });
      res.writeHead(204, { 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    if (p.startsWith('/api/')) {
      // The token only in the header here: a query string ends up in logs and history.
      if (!session.allows(req)) return sendNoSessionJson(res);
      if (method !== 'POST') return sendText(res, 405, 'Method not allowed\n', { Allow: 'POST' });
      let name: string;
      try {
        name = decodeURIComponent(p.slice('/api/'.length));
      } catch {
        name = p.slice('/api/'.length);
      }
      return handleInvoke(handlers, name, req, res);
    }
    if (p.startsWith('/download/')) {
      if (!session.allows(req, queryToken)) return forbidden(res);
      if (!isGet) return forbidden(res);
      return serveDownload(req, res, exportDirs(), p.slice('/download/'.length));
    }
    if (p.startsWith('/assets/')) {
      if (!isGet) return forbidden(res);
      return serveAsset(req, res, staticDir, p.slice('/assets/'.length));
    }
    if ((p === '/' || p === '/index.html') && isGet) {
      // The printed address trades its token for the cookie; the page then drops the token
      // from the address bar, and reloads and new tabs come in on the cookie.
      if (session.hasToken(req, queryToken)) {
        res.setHeader('Set-Cookie', session.setCookie());
        return serveIndex(req, res, staticDir);
      }
      if (session.hasCookie(req)) return serveIndex(req, res, staticDir);
      return sendNoSessionPage(res);
    }
    return forbidden(res);
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((e) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (req.url?.startsWith('/api/')) sendJson(res, 500, { ok: false, error: toPayload(e) });
      else sendText(res, 500, 'Internal error\n');
    });
  });
  // A slow client must not hold a socket forever; SSE streams are exempt (no request timeout once answered).
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new WxError('CONFIG_INVALID', { name: '--port', detail: `port ${o.port} is in use`, allowed: 'a free port, or 0 for any' })
          : e,
      );
    };
    server.once('error', onError);
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  session = new BridgeSession(token, port);

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    cookieName: session.cookieName,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const end of streams) end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
