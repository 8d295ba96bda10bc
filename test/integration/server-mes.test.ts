import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../../main/core/server/admin/admin-client.js';
import { startFactoryServer, type FactoryServer } from '../../main/core/server/app.js';
import type { StoreKind } from '../../main/core/server/db/server-db.js';
import { SimDevice } from '../../main/core/sim/device/sim-device.js';
import { serveUnitOnTcp, type TcpUnitPort } from '../../main/core/sim/device/tcp-unit-port.js';
import { startSimMes, type SimMes } from '../../main/core/sim/mes/mes-sim.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliAsync } from '../helpers/cli-async.js';
import { withLedger } from '../helpers/crash.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { STORES, skipStore } from '../helpers/server-db.js';
import { until } from '../helpers/station.js';
import { tmpDir } from '../helpers/tmp.js';

// The factory server holding the MES for all its stations (real PostgreSQL and PGlite, real
// HTTPS, a real station CLI, units on TCP, the simulated MES on loopback): a joined station
// with no MES settings of its own asks the route check through the server (the server's token,
// never the station's), and its results reach the MES from the server, after the uplink.

describe.each(STORES)('the MES held by the factory server on %s', (kind: StoreKind) => {
  describe.skipIf(skipStore(kind))(kind, { timeout: 180_000 }, () => {
    const TOKEN = 'server-mes-token-9d1e';
    let sim: WechatSim;
    let mes: SimMes;
    let root: string;
    let home: string;
    let database: TestDatabase | undefined;
    let server: FactoryServer;
    const units: TcpUnitPort[] = [];
    const admin = <T>(method: 'GET' | 'POST', route: string, body?: unknown) => adminCall<T>(home, method, route, body);

    beforeAll(async () => {
      sim = await startWechatSim();
      mes = await startSimMes({ token: TOKEN, rejectSn: { 'SN-NO': '未过前道工序' } });
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-srv-mes-'));
      home = path.join(root, 'home');
      if (kind === 'postgres') database = await createTestDatabase();
      server = await startFactoryServer({
        home,
        databaseUrl: database?.url,
        listen: { host: '127.0.0.1', port: 0 },
        env: { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: 'server passphrase', WXPROV_MES_TOKEN: TOKEN },
        registration: { enabled: false },
        dashboard: { announcePassword: () => {} },
      });
    }, 120_000);

    afterAll(async () => {
      for (const u of units) await u.close();
      await server?.close();
      await mes?.close();
      await sim?.close();
      await database?.drop();
      if (root && !process.env.KEEP_ROOT) fs.rmSync(root, { recursive: true, force: true });
    });

    async function unit(hwid: string): Promise<TcpUnitPort> {
      const port = await serveUnitOnTcp({ host: '127.0.0.1' });
      units.push(port);
      await SimDevice.boot(port.unit, { hwid, commitMs: 10 });
      return port;
    }

    it('route check through the server, reports from the server, the offline rule from the downlink', async () => {
      const cliHome = { WXPROV_KEY_PASSPHRASE: 'server passphrase' };
      // Bad input is refused with the flag and what is allowed, and changes nothing.
      const bad = await cliAsync(['server', 'mes', 'set', '--home', home, '--check-url', 'ftp://x/check', '--json'], cliHome);
      expect([bad.code, bad.json.error.code]).toEqual([2, 'SETTING_INVALID']);
      expect(bad.stderr).toContain('--check-url');
      const set = await cliAsync(['server', 'mes', 'set', '--home', home, '--check-url', mes.checkUrl, '--report-url', mes.reportUrl, '--offline', 'block', '--json'], cliHome);
      expect([set.code, set.stderr]).toEqual([0, '']);
      expect(set.json).toMatchObject({ check_url: mes.checkUrl, report_url: mes.reportUrl, offline: 'block', token: 'environment', pending: 0 });

      const pid = (await admin<{ product_id: number }>('POST', '/admin/products/create', { english_name: 'Fan', chinese_name: '风扇', default_name: '风扇', model_name: 'FAN-M' })).product_id;
      await admin('POST', '/admin/keys/create', { product_id: pid });
      await admin('POST', '/admin/products/set', { product_id: pid, id_template: 'M{station}{seq:5}' });
      const enrolled = await admin<{ code: string }>('POST', '/admin/enroll', { station: 'M1' });
      const env = { WXPROV_HOME: tmpDir(), WXPROV_KEY_PASSPHRASE: 'station passphrase', WXPROV_OPERATOR: 'op3' };
      const joined = await cliAsync(['fleet', 'join', '--server', server.url, '--fingerprint', server.fingerprint, '--code', enrolled.code, '--json'], env);
      expect([joined.code, joined.stderr]).toEqual([0, '']);
      // The station has no MES settings of its own: the downlink says the server holds it.
      expect((await cliAsync(['config', '--json'], env)).json).toMatchObject({ mes_offline: 'block', mes_token: 'none' });
      expect((await cliAsync(['config', '--json'], env)).json.mes_check_url).toBeUndefined();

      const flash = (port: TcpUnitPort, ...more: string[]) => cliAsync(['flash', '--port', port.spec, '--product', String(pid), '--json', ...more], env);
      const a = await unit('HWM1');
      const refused = await flash(a, '--sn', 'SN-NO');
      expect(refused.json, refused.stderr).toMatchObject({ result: 'FAIL', step: 'mes_check', code: 'MES_REJECTED', device_id: null });
      expect(refused.json.reason_zh).toContain('未过前道工序');
      // The MES heard the server, with the server's token, for station M1.
      expect(mes.checks.at(-1)).toMatchObject({ authorization: `Bearer ${TOKEN}`, body: { station: 'M1', slot: a.spec, product_id: pid, hwid: 'HWM1', sn: 'SN-NO', operator: 'op3' } });
      const passed = await flash(a, '--sn', 'SN-OK');
      expect(passed.json, passed.stderr).toMatchObject({ result: 'PASS', device_id: 'MM100001' });
      // The station reports nothing itself: its results go up, the server reports them.
      withLedger(env.WXPROV_HOME, (db) => expect(db.prepare('SELECT COUNT(*) FROM mes_events').pluck().get()).toBe(0));
      const up = await cliAsync(['fleet', 'sync', '--json'], env);
      expect(up.json, up.stderr).toMatchObject({ uplink_pending: 0 });
      await until(() => mes.events().length >= 2, 20_000, 'the server\'s reports');
      const sync = await cliAsync(['server', 'mes', 'sync', '--home', home, '--json'], cliHome);
      expect(sync.json).toMatchObject({ pending: 0, last_error: null, sent: 2 });
      expect(mes.events().map((e) => [e.station, e.result, e.step, e.code, e.device_id, e.hwid, e.sn])).toEqual([
        ['M1', 'FAIL', 'mes_check', 'MES_REJECTED', null, 'HWM1', 'SN-NO'],
        ['M1', 'PASS', 'record', null, 'MM100001', 'HWM1', 'SN-OK'],
      ]);
      expect(mes.events()[1]).toMatchObject({ slot: a.spec, product_id: pid, key_version: 1, push_test: null });
      expect(mes.deliveries.every((d) => d.idempotency_key === d.event_id && !d.duplicate)).toBe(true);

      // The MES down: block fails the unit untouched; the server's allow reaches the station in its next downlink.
      mes.setMode('reset');
      const b = await unit('HWM2');
      expect((await flash(b)).json).toMatchObject({ result: 'FAIL', step: 'mes_check', code: 'MES_UNREACHABLE' });
      await cliAsync(['server', 'mes', 'set', '--home', home, '--offline', 'allow'], cliHome);
      expect((await cliAsync(['fleet', 'sync', '--json'], env)).code).toBe(0);
      const allowed = await flash(b);
      expect(allowed.json, allowed.stderr).toMatchObject({ result: 'PASS', mes_offline: true, device_id: 'MM100002' });
      // Its reports wait on the server while the MES is down, and go once it is back.
      expect((await cliAsync(['fleet', 'sync', '--json'], env)).code).toBe(0);
      const down = await cliAsync(['server', 'mes', 'sync', '--home', home, '--json'], cliHome);
      expect(down.code).toBe(1);
      expect(down.json).toMatchObject({ pending: 2 });
      expect(down.json.last_error).toBeTruthy();
      mes.setMode('up');
      expect((await cliAsync(['server', 'mes', 'sync', '--home', home, '--json'], cliHome)).json).toMatchObject({ pending: 0, last_error: null, sent: 4 });
      expect(mes.events().slice(2).map((e) => [e.result, e.code, e.device_id])).toEqual([
        ['FAIL', 'MES_UNREACHABLE', null],
        ['PASS', null, 'MM100002'],
      ]);
      // A void at the station reaches the MES from the server as a VOID event.
      expect((await cliAsync(['devices', 'void', '--device-id', 'MM100001', '--reason', 'cracked case'], env)).code).toBe(0);
      expect((await cliAsync(['fleet', 'sync', '--json'], env)).code).toBe(0);
      expect((await cliAsync(['server', 'mes', 'sync', '--home', home, '--json'], cliHome)).json).toMatchObject({ pending: 0, sent: 5 });
      expect(mes.events().at(-1)).toMatchObject({ station: 'M1', result: 'VOID', device_id: 'MM100001', hwid: 'HWM1', sn: 'SN-OK', step: null, code: null });
      expect(new Set(mes.events().map((e) => e.event_id)).size).toBe(5);
      // The token never reached the station.
      const files = fs.readdirSync(env.WXPROV_HOME, { recursive: true }) as string[];
      for (const f of files) {
        const p = path.join(env.WXPROV_HOME, f);
        if (fs.statSync(p).isFile()) expect(fs.readFileSync(p).includes(TOKEN), p).toBe(false);
      }
    });
  });
});
