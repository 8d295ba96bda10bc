import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nullLogger } from '../../main/core/log/logger.js';
import { RECORD_COLUMNS } from '../../main/core/registry/records.js';
import { adminCall } from '../../main/core/server/admin/admin-client.js';
import { openServerDb } from '../../main/core/server/db/open.js';
import type { StoreKind } from '../../main/core/server/db/server-db.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliAsync } from '../helpers/cli-async.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { pinnedRequest } from '../helpers/pinned-https.js';
import { STORES, skipStore } from '../helpers/server-db.js';
import { uplinkRow } from '../helpers/server-fleet.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { readTree } from '../helpers/tmp.js';

// The fleet dashboard's HTTP side on a real `wxprov server` process, on each store: the admin
// password (made up once and shown once on stderr, kept as scrypt, replaced by
// WXPROV_ADMIN_PASSWORD), the login (cookie, wrong passwords, throttle, other sites), every
// JSON route behind the cookie, and what they show after real station calls: stations with
// their contact, backlog and today's counts, conflicts, the fleet's records and their CSV,
// the registration queue working against the platform simulator.

const NOTICE = /Dashboard admin password \(shown this once; keep it safe\): (\S+)/;
const COOKIE = /^__Host-wxprov-fleet=[\w-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict$/;
const SHELL_META = '<meta name="wxprov-shell" content="fleet">';
const JSON_ROUTES = ['/dashboard/session', '/dashboard/stations', '/dashboard/conflicts', '/dashboard/queue', '/dashboard/products', '/dashboard/records', '/dashboard/records.csv'];

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const v = await probe();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A renderer build's shape (index.html naming a hashed bundle), small: what the server does with it is under test. */
function stubRenderer(dir: string): string {
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>\n<html>\n  <head>\n    <script type="module" src="./assets/app-1a2b.js"></script>\n  </head>\n  <body><div id="root"></div></body>\n</html>\n');
  fs.writeFileSync(path.join(dir, 'assets/app-1a2b.js'), 'console.log("stub");\n');
  return dir;
}

describe.each(STORES)('the fleet dashboard on %s', (kind: StoreKind) => {
  describe.skipIf(skipStore(kind))(kind, { timeout: 90_000 }, () => {
    let sim: WechatSim;
    let server: ServerProcess;
    let database: TestDatabase | undefined;
    let env: NodeJS.ProcessEnv;
    let [root, home, staticDir, password, cookie] = ['', '', '', '', ''];
    let pid = 0;
    const cred: Record<string, string> = {};
    const start = (extra: NodeJS.ProcessEnv = {}) => startServerProcess({ home, kind, env: { ...env, ...extra }, database, args: ['--static-dir', staticDir] });
    const req = (method: string, route: string, o: Parameters<typeof pinnedRequest>[4] = {}) => pinnedRequest(server.url, server.fingerprint, method, route, o);
    const login = (pw: string, o: Parameters<typeof pinnedRequest>[4] = {}) => req('POST', '/dashboard/login', { body: { password: pw }, ...o });
    const get = (route: string, c = cookie) => req('GET', route, { headers: { cookie: c } });
    const station = (code: string, method: string, route: string, body?: unknown, backlog?: number) =>
      req(method, route, { body, bearer: cred[code], headers: backlog === undefined ? {} : { 'x-wxprov-uplink-pending': String(backlog) } });
    const admin = <T>(route: string, body: unknown) => adminCall<T>(home, 'POST', route, body);
    const cookieOf = (r: { headers: { 'set-cookie'?: string[] } }) => r.headers['set-cookie']?.[0] ?? '';

    beforeAll(async () => {
      sim = await startWechatSim();
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-dash-'));
      home = path.join(root, 'home');
      staticDir = stubRenderer(path.join(root, 'renderer'));
      env = { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: 'server key passphrase', WXPROV_OPERATOR: 'tester' };
      if (kind === 'postgres') database = await createTestDatabase();
      server = await start();
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      await sim?.close();
      await database?.drop();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it('makes up a password at the first start, shows it once on stderr only, and logs in with it: an HttpOnly Secure SameSite cookie', async () => {
      const m = await until('the password notice', () => NOTICE.exec(server.stderr()) ?? undefined, 10_000);
      password = m[1];
      expect(password).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
      expect(server.stderr().match(/Dashboard admin password/g)).toHaveLength(1);
      expect(server.stderr()).toContain(`看板管理员密码（只显示这一次，请妥善保存）：${password}`);
      expect(server.stdout()).not.toContain(password);
      expect(fs.readFileSync(path.join(home, 'server.json'), 'utf8')).not.toContain(password);
      const r = await login(password);
      expect([r.status, r.json]).toEqual([200, { ok: true }]);
      expect(r.headers['set-cookie']).toHaveLength(1);
      expect(cookieOf(r)).toMatch(COOKIE);
      cookie = cookieOf(r).split(';')[0];
      expect((await get('/dashboard/session')).json).toEqual({ ok: true });
    });

    it('serves the page flagged as the fleet view and its bundles to anyone; every JSON route needs the cookie', async () => {
      const page = await req('GET', '/');
      expect([page.status, page.headers['content-type'], page.headers['cache-control'], page.headers['x-frame-options']]).toEqual([200, 'text/html; charset=utf-8', 'no-store', 'DENY']);
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.text).toContain(`<head>\n    ${SHELL_META}`);
      const js = await req('GET', '/assets/app-1a2b.js');
      expect([js.status, js.headers['content-type'], js.text]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log("stub");\n']);
      expect(js.headers['cache-control']).toContain('immutable');
      // nothing outside assets/, no hidden files, and a malformed escape is a 404, not a 500
      for (const p of ['/assets/..%2Findex.html', '/assets/.hidden', '/assets/%E0%A4', '/assets/nope.js', '/stations']) expect([p, (await req('GET', p)).status]).toEqual([p, 404]);
      const [name, token] = cookie.split('=');
      const tampered = `${name}=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      for (const route of JSON_ROUTES) {
        for (const c of [undefined, `${name}=forged`, tampered]) {
          const r = await req('GET', route, c ? { headers: { cookie: c } } : {});
          expect([route, r.status, r.json?.error?.code]).toEqual([route, 401, 'FLEET_LOGIN_REQUIRED']);
          expect(r.json.error.message_zh).toBe('请先登录工厂看板');
        }
        expect([route, (await get(route)).status]).toEqual([route, 200]);
      }
      // another site's page can neither log a browser in nor out
      const foreign: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }];
      for (const headers of foreign) {
        const r = await login(password, { headers });
        expect([r.status, r.json.error.code, r.headers['set-cookie']]).toEqual([403, 'FLEET_CROSS_ORIGIN', undefined]);
      }
    });

    it('refuses wrong passwords and then makes that address wait, even with the right one; other addresses still log in', async () => {
      const from = { localAddress: '127.0.0.2' };
      for (let i = 0; i < 5; i++) {
        const r = await login(`wrong-${i}`, from);
        expect([r.status, r.json.error.code, r.headers['set-cookie']]).toEqual([401, 'FLEET_LOGIN_WRONG', undefined]);
      }
      for (const pw of ['wrong-again', password]) {
        const r = await login(pw, from);
        expect([r.status, r.json.error.code, r.headers['set-cookie']]).toEqual([429, 'FLEET_LOGIN_THROTTLED', undefined]);
        expect(r.json.error.params.seconds).toBeGreaterThan(0);
        expect(r.json.error.params.seconds).toBeLessThanOrEqual(60);
      }
      expect((await login('', { localAddress: '127.0.0.3' })).json.error.code).toBe('FLEET_LOGIN_WRONG');
      expect((await login(password)).status).toBe(200);
    });

    const now = () => new Date().toISOString();
    const yesterday = () => new Date(Date.now() - 36 * 3600_000).toISOString();

    it("shows every station: online, last contact, its uplink backlog and today's pass / fail / rate", async () => {
      pid = (await admin<{ product_id: number }>('/admin/products/create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-D' })).product_id;
      await admin('/admin/keys/create', { product_id: pid });
      await admin('/admin/products/set', { product_id: pid, id_template: 'D{station}{seq:5}' });
      for (const code of ['A1', 'B2']) {
        const e = await admin<{ code: string }>('/admin/enroll', { station: code });
        cred[code] = (await req('POST', '/v1/join', { body: { code: e.code } })).json.credential;
      }
      await admin('/admin/enroll', { station: 'C3' });
      // the platform refuses one id: the queue shows it failed (below)
      sim.rejectDeviceIds(['DA100003']);
      const block = await station('A1', 'POST', '/v1/blocks', { product_id: pid, count: 5, request_id: 'dash-1' });
      expect(block.json.ids.map((x: { device_id: string }) => x.device_id)).toEqual(['DA100001', 'DA100002', 'DA100003', 'DA100004', 'DA100005']);
      const row = (n: number, o: Record<string, unknown>) => uplinkRow({ row_id: n, version: 1, product_id: pid, device_id: `DA10000${n}`, created_at: now(), updated_at: now(), ...o });
      const rows = [
        row(1, { status: 'verified', hwid: 'HW-1', sn: 'SN-1' }),
        row(2, { status: 'verified', hwid: 'HW-2', sn: 'SN-2', operator: '=HYPERLINK("x")' }),
        row(4, { status: 'failed', hwid: 'HW-4', last_error: "=cmd|' /C calc'!A0" }),
        row(5, { status: 'verified', hwid: 'HW-5', created_at: yesterday(), updated_at: yesterday() }), // not today's
      ];
      expect((await station('A1', 'POST', '/v1/uplink', { rows }, 7)).json).toMatchObject({ accepted: 4, conflicts: [] });
      await station('B2', 'POST', '/v1/uplink', { rows: [uplinkRow({ row_id: 1, version: 1, product_id: pid, device_id: 'XB2-0001', status: 'verified', hwid: 'HW-B1', sn: 'SN-B1', created_at: now(), updated_at: now() })] });
      const r = await get('/dashboard/stations');
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ online_within_s: 120, day: { date: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) } });
      const [a1, b2, c3] = r.json.stations;
      expect(a1).toMatchObject({ station: 'A1', state: 'joined', online: true, uplink_pending: 7, pass: 2, fail: 1 });
      expect(a1.rate).toBeCloseTo(2 / 3, 6);
      for (const at of [a1.last_contact, a1.uplink_reported_at]) expect(Date.now() - Date.parse(at)).toBeLessThan(60_000);
      expect(b2).toMatchObject({ station: 'B2', state: 'joined', online: true, uplink_pending: null, uplink_reported_at: null, pass: 1, fail: 0, rate: 1 });
      expect(c3).toMatchObject({ station: 'C3', state: 'enrolled', online: false, last_contact: null, pass: 0, fail: 0, rate: null });
      // the backlog is what the station said last, on any call
      await station('A1', 'GET', '/v1/downlink', undefined, 0);
      expect((await get('/dashboard/stations')).json.stations[0].uplink_pending).toBe(0);
    });

    it('lists a conflict with both sides as reported', async () => {
      expect((await get('/dashboard/conflicts')).json).toEqual({ total: 0, conflicts: [] });
      await station('B2', 'POST', '/v1/uplink', { rows: [uplinkRow({ row_id: 2, version: 1, product_id: pid, device_id: 'DA100001', status: 'verified', hwid: 'HW-OTHER', created_at: now(), updated_at: now() })] });
      const seen = expect.objectContaining({ kind: 'id_two_units', product_id: pid, device_id: 'DA100001', hwid: 'HW-1', station: 'A1', other_device_id: 'DA100001', other_hwid: 'HW-OTHER', other_station: 'B2', seen: 1 });
      expect((await get('/dashboard/conflicts')).json).toEqual({ total: 1, conflicts: [seen] });
    });

    const ids = (rows: { device_id: string }[]) => rows.map((x) => x.device_id);

    it("searches the whole fleet's records by device id, hwid, sn, station and day, a page at a time", async () => {
      const find = async (q: string) => {
        const r = await get(`/dashboard/records?${q}`);
        expect([q, r.status]).toEqual([q, 200]);
        return r.json as { rows: { device_id: string; station: string; status: string; hwid: string | null }[]; next: string | null };
      };
      expect((await find('device_id=DA100001')).rows).toEqual([expect.objectContaining({ device_id: 'DA100001', station: 'A1', status: 'verified', hwid: 'HW-1', sn: 'SN-1' })]);
      expect(ids((await find('device_id=DA1*')).rows).sort()).toEqual(['DA100001', 'DA100002', 'DA100003', 'DA100004', 'DA100005']);
      expect(ids((await find('hwid=HW-2')).rows)).toEqual(['DA100002']);
      expect((await find('sn=SN-B1')).rows).toEqual([expect.objectContaining({ device_id: 'XB2-0001', station: 'B2' })]);
      expect(ids((await find('station=b2')).rows)).toEqual(['XB2-0001']);
      expect(ids((await find(`station=a1&status=failed`)).rows)).toEqual(['DA100004']);
      const day = (await get('/dashboard/stations')).json.day.date as string;
      expect(ids((await find(`station=A1&from=${day}`)).rows).sort()).toEqual(['DA100001', 'DA100002', 'DA100003', 'DA100004']);
      expect(ids((await find(`station=A1&to=${day}`)).rows)).toEqual(['DA100005']);
      expect(ids((await find(`product_id=${pid}&from=2999-01-01`)).rows)).toEqual([]);
      // pages: newest first, each row once
      const all = ids((await find('limit=500')).rows);
      const paged: string[] = [];
      for (let cursor = ''; ; ) {
        const p = await find(`limit=2${cursor}`);
        paged.push(...ids(p.rows));
        if (!p.next) break;
        cursor = `&cursor=${p.next}`;
      }
      expect(paged).toEqual(all);
      expect(all).toHaveLength(6);
      for (const q of ['device_id=bad%20id', 'station=%21%21', 'from=someday', 'status=fine', 'limit=0', 'cursor=xyz']) {
        const r = await get(`/dashboard/records?${q}`);
        expect([q, r.status, r.json.error.code]).toEqual([q, 400, 'INPUT_INVALID']);
      }
    });

    it('exports exactly what the search finds as CSV, formula-like cells neutralised as `server records` does', async () => {
      const r = await get('/dashboard/records.csv?station=A1');
      expect([r.status, r.headers['content-type']]).toEqual([200, 'text/csv; charset=utf-8']);
      expect(r.headers['content-disposition']).toMatch(/^attachment; filename="fleet-records-\d{8}T\d{6}\.csv"$/);
      const lines = r.text.split('\r\n');
      expect(lines[0]).toBe('\uFEFF' + RECORD_COLUMNS.map((c) => `"${c}"`).join(','));
      expect(lines.at(-1)).toBe('');
      const body = lines.slice(1, -1);
      const search = ids((await get('/dashboard/records?station=A1')).json.rows);
      expect(body.map((l) => l.split(',')[0].replaceAll('"', ''))).toEqual(search);
      expect(r.text).toContain(`"'=HYPERLINK(""x"")"`);
      expect(r.text).toContain(`"'=cmd|' /C calc'!A0"`);
      expect(r.text).not.toMatch(/(^|,)"=/m);
      expect((await get('/dashboard/records.csv?station=%21')).status).toBe(400);
    });

    it('shows the registration queue: what the platform refused, then a quota pause with what waits', async () => {
      const done = await until('the first registration pass', async () => {
        const q = (await get('/dashboard/queue')).json;
        return q.pending === 0 && q.failed === 1 && q.last_success_at ? q : undefined;
      });
      expect(done).toMatchObject({ pending: 0, failed: 1, oldest_pending: null, paused_until: null, last_error: null, last_success_at: expect.any(String) });
      sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 45009, times: Infinity });
      await station('A1', 'POST', '/v1/blocks', { product_id: pid, count: 3, request_id: 'dash-2' });
      const paused = await until('the quota pause', async () => {
        const q = (await get('/dashboard/queue')).json;
        return q.paused_until ? q : undefined;
      });
      expect(paused).toMatchObject({ pending: 3, failed: 1, oldest_pending: expect.any(String), last_error: 'WX_QUOTA_EXCEEDED', last_errcode: 45009 });
      expect(Date.parse(paused.paused_until)).toBeGreaterThan(Date.now());
      sim.clearFaults();
    });

    it('logout ends the session and clears the cookie', async () => {
      const r = await req('POST', '/dashboard/logout', { body: {}, headers: { cookie } });
      expect(r.status).toBe(200);
      expect(cookieOf(r)).toBe('__Host-wxprov-fleet=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0');
      expect((await get('/dashboard/session')).json.error.code).toBe('FLEET_LOGIN_REQUIRED');
    });

    it('keeps only the scrypt hash, never shows the password again, and takes WXPROV_ADMIN_PASSWORD when it is set', async () => {
      expect(await server.stop()).toBe(0);
      for (const f of readTree(home)) expect([f.file, f.bytes.includes(password)]).toEqual([f.file, false]);
      const db = await openServerDb({ url: database?.url, home, log: nullLogger });
      const row = (await db.query<{ value: Record<string, unknown>; updated_by: string }>("SELECT value, updated_by FROM settings WHERE key = 'admin_password'")).rows[0];
      await db.close();
      expect(row.updated_by).toBe('generated');
      const rec = row.value as { v: number; N: number; r: number; p: number; salt: string; hash: string };
      expect(Object.keys(rec).sort()).toEqual(['N', 'hash', 'p', 'r', 'salt', 'v']);
      expect(rec).toMatchObject({ v: 1, N: 32768, r: 8, p: 1 });
      expect(Buffer.from(rec.salt, 'base64')).toHaveLength(16);
      const derived = crypto.scryptSync(password, Buffer.from(rec.salt, 'base64'), 32, { N: rec.N, r: rec.r, p: rec.p, maxmem: 64 * 1024 * 1024 });
      expect(derived.toString('base64')).toBe(rec.hash);

      server = await start();
      expect((await login(password)).status).toBe(200);
      expect(server.stderr()).not.toMatch(/admin password|管理员密码/);
      expect(await server.stop()).toBe(0);

      const chosen = 'the factory dashboard 2';
      server = await start({ WXPROV_ADMIN_PASSWORD: chosen });
      expect((await login(password)).json.error.code).toBe('FLEET_LOGIN_WRONG');
      expect((await login(chosen)).status).toBe(200);
      expect(server.stderr()).not.toContain(chosen);
      expect(await server.stop()).toBe(0);
      for (const f of readTree(home)) expect([f.file, f.bytes.includes(chosen)]).toEqual([f.file, false]);
      if (kind === 'embedded') {
        // too short to stand up to guessing: refused at start, without echoing it
        const r = await cliAsync(['server', '--home', home, '--listen', '127.0.0.1:0', '--static-dir', staticDir], { ...env, WXPROV_ADMIN_PASSWORD: 'short12' });
        expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/^error CONFIG_INVALID: .*WXPROV_ADMIN_PASSWORD/)]);
        expect(r.stdout + r.stderr).not.toContain('short12');
      }
      server = await start();
      expect((await login(chosen)).status).toBe(200);
    }, 180_000);
  });
});
