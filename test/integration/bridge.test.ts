import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventName, Handlers } from '../../preload/contract.js';
import { CSP, startBridge, tokenMatches, type Bridge } from '../../main/core/app/bridge/index.js';
import { tmpDir } from '../helpers/tmp.js';

// A real bridge on loopback with a small fake handler table: the HTTP edge of `wxprov ui` —
// token, Host, Origin, body limits, SSE, downloads, static files — checked with raw requests.

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json?: any;
}

let bridge: Bridge;
let staticDir: string;
let exportsDir: string;
let listeners: Set<(name: EventName, payload: unknown) => void>;
let calls: { name: string; input: unknown }[];

const STATE = { mode: null, locale: 'zh-CN', shell: 'browser' };

function fakeHandlers(): Handlers {
  const h = {
    'app.state': () => (calls.push({ name: 'app.state', input: undefined }), STATE),
    'products.select': (input: unknown) => (calls.push({ name: 'products.select', input }), STATE),
    'records.export': (input: unknown) => {
      calls.push({ name: 'records.export', input });
      const file = path.join(exportsDir, 'records-20261128-130501.csv');
      fs.writeFileSync(file, '\uFEFF"device_id"\r\n"A1261128000001"\r\n');
      return { rows: 1, file, url: null };
    },
    'line.status': () => {
      throw new Error('boom');
    },
  };
  return h as unknown as Handlers;
}

function raw(method: string, p: string, o: { headers?: Record<string, string>; body?: string | Buffer; port?: number } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: o.port ?? bridge.port, method, path: p, headers: o.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

const post = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  raw('POST', `/api/${name}`, {
    headers: { 'content-type': 'application/json', 'x-wxprov-token': bridge.token, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeEach(async () => {
  staticDir = tmpDir('wxprov-bridge-static-');
  exportsDir = path.join(tmpDir('wxprov-bridge-home-'), 'exports');
  fs.mkdirSync(exportsDir);
  fs.mkdirSync(path.join(staticDir, 'assets'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>station</title><script type="module" src="./assets/index-abc123.js"></script>');
  fs.writeFileSync(path.join(staticDir, 'assets', 'index-abc123.js'), 'console.log(1)');
  fs.writeFileSync(path.join(staticDir, 'favicon.ico'), 'x');
  // Next to the exports folder, named like an export: must never be reachable.
  fs.writeFileSync(path.join(exportsDir, '..', 'records-secret.csv'), 'secret');
  fs.writeFileSync(path.join(exportsDir, '..', 'wxprov.db'), 'db');
  listeners = new Set();
  calls = [];
  bridge = await startBridge({
    handlers: fakeHandlers(),
    onEvent: (cb) => (listeners.add(cb), () => listeners.delete(cb)),
    staticDir,
    host: '127.0.0.1',
    port: 0,
    exportsDir,
    heartbeatMs: 100,
  });
});
afterEach(async () => {
  await bridge.close();
});

describe('startBridge', () => {
  it('listens on 127.0.0.1 only and prints the page URL with a 32-byte base64url token', () => {
    const addr = bridge.server.address();
    expect(typeof addr === 'object' && addr?.address).toBe('127.0.0.1');
    expect(bridge.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/?token=${bridge.token}`);
  });

  it('refuses any other host to bind to', async () => {
    await expect(startBridge({ handlers: fakeHandlers(), onEvent: () => () => {}, staticDir, host: '0.0.0.0' as '127.0.0.1' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('compares tokens in constant time and refuses empty ones', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'ab')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
    expect(tokenMatches('abc', undefined)).toBe(false);
  });
});

describe('the token', () => {
  it('is required on POST /api: none or a wrong one → 403 and the handler is not called', async () => {
    const none = await raw('POST', '/api/app.state', { headers: { 'content-type': 'application/json' }, body: '{}' });
    const wrong = await post('app.state', {}, { 'x-wxprov-token': bridge.token.slice(0, -1) + (bridge.token.endsWith('A') ? 'B' : 'A') });
    const short = await post('app.state', {}, { 'x-wxprov-token': 'x' });
    const inQuery = await raw('POST', `/api/app.state?token=${bridge.token}`, { body: '{}' });
    for (const r of [none, wrong, short, inQuery]) expect(r.status).toBe(403);
    expect(calls).toEqual([]);
  });

  it('is required on GET /api/events and /download', async () => {
    expect((await raw('GET', '/api/events')).status).toBe(403);
    expect((await raw('GET', '/api/events?token=nope')).status).toBe(403);
    fs.writeFileSync(path.join(exportsDir, 'records-1.csv'), 'x');
    expect((await raw('GET', '/download/records-1.csv')).status).toBe(403);
    expect((await raw('GET', '/download/records-1.csv?token=nope')).status).toBe(403);
    expect(listeners.size).toBe(0);
  });
});

describe('DNS rebinding and cross-origin requests', () => {
  it('refuses a Host header that is not 127.0.0.1:<port> or localhost:<port>', async () => {
    for (const host of ['evil.example:' + bridge.port, `127.0.0.1:${bridge.port + 1}`, '127.0.0.1', `0.0.0.0:${bridge.port}`]) {
      const r = await post('app.state', {}, { host });
      expect(r.status, host).toBe(403);
    }
    expect((await raw('GET', `/?token=${bridge.token}`, { headers: { host: `rebind.example:${bridge.port}` } })).status).toBe(403);
    expect(calls).toEqual([]);
    expect((await post('app.state', {}, { host: `localhost:${bridge.port}` })).status).toBe(200);
    expect((await post('app.state', {}, { host: `127.0.0.1:${bridge.port}` })).status).toBe(200);
  });

  it('refuses a POST from another Origin, even with the token', async () => {
    const r = await post('app.state', {}, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect((await post('app.state', {}, { origin: `http://127.0.0.1:${bridge.port + 1}` })).status).toBe(403);
    expect((await post('app.state', {}, { origin: 'null' })).status).toBe(403);
    expect(calls).toEqual([]);
    expect((await post('app.state', {}, { origin: `http://127.0.0.1:${bridge.port}` })).status).toBe(200);
    expect((await post('app.state', {}, { origin: `http://localhost:${bridge.port}` })).status).toBe(200);
  });
});

describe('POST /api/<name>', () => {
  it('answers the handler Result as JSON, no-store, with the security headers', async () => {
    const r = await post('app.state', {});
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, value: STATE });
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['content-security-policy']).toBe(CSP);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    // An empty body is "no input".
    expect((await post('app.state', '')).json).toEqual({ ok: true, value: STATE });
  });

  it('bad JSON → 400 with an INPUT_INVALID Result naming the body', async () => {
    const r = await post('app.state', '{"mode": ');
    expect(r.status).toBe(400);
    expect(r.json.ok).toBe(false);
    expect(r.json.error.code).toBe('INPUT_INVALID');
    expect(r.json.error.params.field).toBe('body');
    expect(calls).toEqual([]);
  });

  it('a body over 1 MB → 413 Result error, handler not called', async () => {
    const r = await post('products.select', JSON.stringify({ product_id: 1, pad: 'x'.repeat(1024 * 1024) }));
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('INPUT_INVALID');
    expect(calls).toEqual([]);
  });

  it('an unknown message → INPUT_UNKNOWN_COMMAND', async () => {
    const r = await post('app.rootShell', {});
    expect(r.status).toBe(200);
    expect(r.json.ok).toBe(false);
    expect(r.json.error.code).toBe('INPUT_UNKNOWN_COMMAND');
    expect(r.json.error.params.command).toBe('app.rootShell');
    expect((await post('__proto__', {})).json.error.code).toBe('INPUT_UNKNOWN_COMMAND');
  });

  it('input is validated against the contract → INPUT_INVALID naming the field', async () => {
    const r = await post('products.select', { product_id: 'seven' });
    expect(r.json.ok).toBe(false);
    expect(r.json.error.code).toBe('INPUT_INVALID');
    expect(r.json.error.params.field).toBe('product_id');
    expect(calls).toEqual([]);
    const ok = await post('products.select', { product_id: 7 });
    expect(ok.json.ok).toBe(true);
    expect(calls).toEqual([{ name: 'products.select', input: { product_id: 7 } }]);
  });

  it('a handler that throws → INTERNAL payload, never a stack', async () => {
    const r = await post('line.status', {});
    expect(r.status).toBe(200);
    expect(r.json.ok).toBe(false);
    expect(r.json.error.code).toBe('INTERNAL');
    expect(r.body).not.toMatch(/at .*\.ts:\d+/);
  });

  it('other methods on /api → 405 (with the token), 403 without', async () => {
    expect((await raw('GET', '/api/app.state', { headers: { 'x-wxprov-token': bridge.token } })).status).toBe(405);
    expect((await raw('GET', '/api/app.state')).status).toBe(403);
  });
});

describe('GET /api/events', () => {
  function openEvents(): Promise<{ res: http.IncomingMessage; text: () => string; waitFor: (s: string) => Promise<void>; close: () => void }> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: bridge.port, path: `/api/events?token=${encodeURIComponent(bridge.token)}`, agent: false }, (res) => {
        let text = '';
        const waiters: { s: string; done: () => void }[] = [];
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          for (const w of waiters.splice(0)) {
            if (text.includes(w.s)) w.done();
            else waiters.push(w);
          }
        });
        resolve({
          res,
          text: () => text,
          waitFor: (s) => (text.includes(s) ? Promise.resolve() : new Promise<void>((done) => waiters.push({ s, done }))),
          close: () => req.destroy(),
        });
      });
      req.on('error', reject);
    });
  }

  it('streams each event with its name and JSON data, heartbeats, and unsubscribes on close', async () => {
    const ev = await openEvents();
    expect(ev.res.statusCode).toBe(200);
    expect(ev.res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(ev.res.headers['cache-control']).toBe('no-store');
    await vi.waitFor(() => expect(listeners.size).toBe(1));
    for (const cb of listeners) {
      cb('app', { mode: 'simulation' });
      cb('line', { running: true, slots: [] });
      cb('unit', { result: 'PASS', slot: '1', text: 'line\nbreak' });
    }
    await ev.waitFor('event: unit');
    const frames = ev
      .text()
      .split('\n\n')
      .filter((f) => f.startsWith('event:') && !f.startsWith('event: heartbeat'));
    expect(frames).toEqual([
      'event: app\ndata: {"mode":"simulation"}',
      'event: line\ndata: {"running":true,"slots":[]}',
      'event: unit\ndata: {"result":"PASS","slot":"1","text":"line\\nbreak"}',
    ]);
    // The page's sign of life: a named event (EventSource hides comments), at once and every heartbeatMs.
    expect(ev.text()).toMatch(/^: connected\nretry: 2000\n\nevent: heartbeat\ndata: \{"every_ms":100\}\n\n/);
    const beats = (ev.text().match(/event: heartbeat\n/g) ?? []).length;
    await vi.waitFor(() => expect((ev.text().match(/event: heartbeat\n/g) ?? []).length).toBeGreaterThan(beats + 1));
    ev.close();
    await vi.waitFor(() => expect(listeners.size).toBe(0));
  });

  it('close() ends open streams', async () => {
    const ev = await openEvents();
    await vi.waitFor(() => expect(listeners.size).toBe(1));
    const ended = new Promise<void>((r) => ev.res.on('close', () => r()));
    await bridge.close();
    await ended;
    expect(listeners.size).toBe(0);
  });
});

describe('GET /download/<file>', () => {
  it('records.export answers a download url that serves the export', async () => {
    const r = await post('records.export', {});
    expect(r.json.ok).toBe(true);
    // No token in the answer: the page downloads with its cookie, a script with its header or ?token=.
    expect(r.json.value.url).toBe('/download/records-20261128-130501.csv');
    expect((await raw('GET', r.json.value.url)).status).toBe(403);
    expect((await raw('GET', r.json.value.url, { headers: { 'x-wxprov-token': bridge.token } })).status).toBe(200);
    const d = await raw('GET', `${r.json.value.url}?token=${bridge.token}`);
    expect(d.status).toBe(200);
    expect(d.headers['content-type']).toMatch(/^text\/csv/);
    expect(d.headers['content-disposition']).toBe('attachment; filename="records-20261128-130501.csv"');
    expect(d.body).toBe('\uFEFF"device_id"\r\n"A1261128000001"\r\n');
  });

  it('learns the exports folder from the export answer when none is configured', async () => {
    await bridge.close();
    bridge = await startBridge({ handlers: fakeHandlers(), onEvent: () => () => {}, staticDir });
    const before = await raw('GET', `/download/records-20261128-130501.csv?token=${bridge.token}`);
    expect(before.status).toBe(404);
    const r = await post('records.export', {});
    expect((await raw('GET', r.json.value.url, { headers: { 'x-wxprov-token': bridge.token } })).status).toBe(200);
  });

  it('refuses traversal, other names and links', async () => {
    const t = `?token=${bridge.token}`;
    for (const p of [
      '/download/..%2Frecords-secret.csv',
      '/download/..%2fwxprov.db',
      '/download/%2e%2e%2Frecords-secret.csv',
      '/download/records-..%2F..%2Frecords-secret.csv',
      '/download/..%5Crecords-secret.csv',
      '/download/wxprov.db',
      '/download/records-x.txt',
      '/download/records-%00.csv',
      '/download/%E0%A4%A',
    ]) {
      const r = await raw('GET', p + t);
      expect(r.status, p).toBe(403);
      expect(r.body).not.toContain('secret');
    }
    // Unencoded ../ is folded away by URL parsing: it lands outside /download and is refused.
    expect((await raw('GET', '/download/../records-secret.csv' + t)).status).toBe(403);
    fs.symlinkSync(path.join(exportsDir, '..', 'records-secret.csv'), path.join(exportsDir, 'records-link.csv'));
    const link = await raw('GET', '/download/records-link.csv' + t);
    expect(link.status).toBe(404);
    expect(link.body).not.toContain('secret');
    expect((await raw('GET', '/download/records-missing.csv' + t)).status).toBe(404);
  });
});

describe('the page and its assets', () => {
  it('index.html needs the token; /assets/* does not; everything else is 403', async () => {
    const page = await raw('GET', `/?token=${bridge.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(CSP);
    expect(page.body).toContain('<title>station</title>');
    expect((await raw('GET', `/index.html?token=${bridge.token}`)).status).toBe(200);

    for (const p of ['/', '/index.html', '/?token=wrong', '/index.html?token=']) {
      const r = await raw('GET', p);
      expect(r.status, p).toBe(403);
      expect(r.body).not.toContain('<title>station</title>');
      expect(r.body).not.toContain('assets/index-abc123.js');
      expect(r.headers['content-security-policy']).toBe(CSP);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }

    const js = await raw('GET', '/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.body).toBe('console.log(1)');

    for (const p of ['/favicon.ico', '/assets/..%2Findex.html', '/assets/%2e%2e/index.html', '/secret', `/favicon.ico?token=${bridge.token}`, `/../index.html`]) {
      expect((await raw('GET', p)).status, p).toBe(403);
    }
    expect((await raw('GET', '/assets/missing.js')).status).toBe(404);
    expect((await raw('POST', `/?token=${bridge.token}`, { body: 'x' })).status).toBe(403);
  });
});

describe('the session cookie: reloads and new tabs without the token', () => {
  /** The cookie the printed address gives, as a browser would send it back. */
  async function login(b: Bridge = bridge): Promise<{ cookie: string; setCookie: string }> {
    const page = await raw('GET', `/?token=${b.token}`, { headers: { 'sec-fetch-site': 'none' }, port: b.port });
    expect(page.status).toBe(200);
    const setCookie = (page.headers['set-cookie'] ?? [])[0] ?? '';
    return { cookie: setCookie.split(';')[0], setCookie };
  }
  /** Like the page's own fetch: same origin, the cookie, no token. */
  const asPage = (cookie: string, extra: Record<string, string> = {}) => ({ cookie, 'sec-fetch-site': 'same-origin', ...extra });

  it('the printed address serves the page and sets a random HttpOnly, SameSite=Strict cookie named for this port', async () => {
    const { cookie, setCookie } = await login();
    const [pair, ...attrs] = setCookie.split(';').map((x) => x.trim());
    expect(pair).toMatch(new RegExp(`^wxprov_session_${bridge.port}=[A-Za-z0-9_-]{43}$`));
    expect(bridge.cookieName).toBe(`wxprov_session_${bridge.port}`);
    // Path=/ for the page, the API and downloads; no Secure on http loopback; no Max-Age or
    // Expires, so it stays in the browser's memory and never in its cookie file.
    expect(attrs.sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict']);
    // Its own secret, not the printed token.
    expect(cookie).not.toContain(bridge.token);
    // The same run gives the same session to every tab that opens the address.
    expect((await login()).cookie).toBe(cookie);
    const other = await startBridge({ handlers: fakeHandlers(), onEvent: () => () => {}, staticDir });
    try {
      expect((await login(other)).cookie.split('=')[1]).not.toBe(cookie.split('=')[1]);
    } finally {
      await other.close();
    }
  });

  it('a reload and a new tab come in on the cookie alone (F5 has no token in the address)', async () => {
    const { cookie } = await login();
    for (const p of ['/', '/index.html']) {
      const r = await raw('GET', p, { headers: { cookie, 'sec-fetch-site': 'none' } });
      expect(r.status, p).toBe(200);
      expect(r.body).toContain('<title>station</title>');
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.headers['content-security-policy']).toBe(CSP);
    }
    // A browser that sends no Sec-Fetch-Site (older ones, curl with the cookie) is let in too.
    expect((await raw('GET', '/', { headers: { cookie: `other=1; ${cookie}` } })).status).toBe(200);
  });

  it('the cookie opens POST /api, the event stream, the ping and downloads; the token header keeps working for scripts', async () => {
    const { cookie } = await login();
    const origin = `http://127.0.0.1:${bridge.port}`;
    const call = await raw('POST', '/api/app.state', { headers: asPage(cookie, { origin, 'content-type': 'application/json' }), body: '{}' });
    expect(call.status).toBe(200);
    expect(call.json).toEqual({ ok: true, value: STATE });

    expect((await raw('GET', '/api/ping', { headers: asPage(cookie) })).status).toBe(204);
    expect((await raw('GET', '/api/ping', { headers: { 'x-wxprov-token': bridge.token } })).status).toBe(204);
    expect((await raw('GET', `/api/ping?token=${bridge.token}`)).status).toBe(204);

    const exported = await raw('POST', '/api/records.export', { headers: asPage(cookie, { origin }), body: '{}' });
    const d = await raw('GET', exported.json.value.url, { headers: asPage(cookie) });
    expect(d.status).toBe(200);
    expect(d.body).toContain('A1261128000001');

    // The event stream, as EventSource opens it: the cookie and nothing else.
    const got = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: bridge.port, path: '/api/events', headers: asPage(cookie), agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
          if (text.includes('event: app\n')) {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, text });
          }
        });
        const push = setInterval(() => {
          for (const cb of listeners) cb('app', { mode: 'real' });
        }, 20);
        res.on('close', () => clearInterval(push));
      });
      req.on('error', reject);
    });
    expect(got.status).toBe(200);
    expect(got.text).toContain('event: app\ndata: {"mode":"real"}');

    expect((await post('app.state', {})).status).toBe(200);
  });

  it('without the token or this run\'s cookie: a short bilingual page saying how to get in (403), and a UI_SESSION_REQUIRED Result on /api', async () => {
    const { cookie } = await login();
    const value = cookie.split('=')[1];
    const refused: [string, Record<string, string>][] = [
      ['nothing', {}],
      ['a wrong cookie', { cookie: `${bridge.cookieName}=${'A'.repeat(43)}` }],
      ['the printed token as the cookie', { cookie: `${bridge.cookieName}=${bridge.token}` }],
      ["another port's cookie name", { cookie: `wxprov_session_${bridge.port + 1}=${value}` }],
      ['the cookie, sent by another site', { cookie, 'sec-fetch-site': 'cross-site' }],
      ['the cookie, sent by another port of 127.0.0.1', { cookie, 'sec-fetch-site': 'same-site' }],
    ];
    for (const [what, headers] of refused) {
      const page = await raw('GET', '/', { headers });
      expect(page.status, what).toBe(403);
      expect(page.headers['content-type'], what).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy'], what).toBe(CSP);
      expect(page.body, what).toContain('请从工位程序给出的地址打开本页面');
      expect(page.body, what).toContain('Open this page from the address the station program gave');
      expect(page.body, what).toContain('data-code="UI_SESSION_REQUIRED"');
      expect(page.body, what).not.toMatch(/<script|Forbidden|<title>station/);
      expect(page.headers['set-cookie'], what).toBeUndefined();

      const api = await raw('POST', '/api/app.state', { headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
      expect(api.status, what).toBe(403);
      expect(api.json, what).toMatchObject({ ok: false, error: { code: 'UI_SESSION_REQUIRED' } });
      expect((await raw('GET', '/api/events', { headers })).status, what).toBe(403);
      expect((await raw('GET', '/api/ping', { headers })).status, what).toBe(403);
      expect((await raw('GET', '/download/records-20261128-130501.csv', { headers })).status, what).toBe(403);
    }
    expect(calls).toEqual([]);
    expect(listeners.size).toBe(0);
  });

  it('after a restart on the same port the old cookie is worth nothing: the new printed address lets the browser in again', async () => {
    const { cookie } = await login();
    const port = bridge.port;
    await bridge.close();
    bridge = await startBridge({ handlers: fakeHandlers(), onEvent: () => () => {}, staticDir, port });
    expect(bridge.cookieName).toBe(`wxprov_session_${port}`);
    expect((await raw('GET', '/api/ping', { headers: asPage(cookie) })).status).toBe(403);
    expect((await raw('GET', '/', { headers: { cookie, 'sec-fetch-site': 'none' } })).status).toBe(403);
    const fresh = await login();
    expect(fresh.cookie).not.toBe(cookie);
    expect((await raw('GET', '/api/ping', { headers: asPage(fresh.cookie) })).status).toBe(204);
  });
});
