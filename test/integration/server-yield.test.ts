import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nullLogger } from '../../main/core/log/logger.js';
import { UnitResults } from '../../main/core/registry/unit-results.js';
import { adminCall } from '../../main/core/server/admin/admin-client.js';
import { startFactoryServer, type FactoryServer } from '../../main/core/server/app.js';
import { fleetYield } from '../../main/core/server/dashboard/yield.js';
import { migrateServerDb } from '../../main/core/server/db/migrate.js';
import type { ServerDb, StoreKind } from '../../main/core/server/db/server-db.js';
import { ingestUplink } from '../../main/core/server/fleet/uplink.js';
import { parseUplinkRows } from '../../main/core/server/fleet/uplink-rows.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliAsync } from '../helpers/cli-async.js';
import { openDb, type Db } from '../../main/core/db/open.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { pinnedRequest } from '../helpers/pinned-https.js';
import { STORES, skipStore, useStore } from '../helpers/server-db.js';
import { addProduct, addStation, uplinkRow } from '../helpers/server-fleet.js';
import { tmpDir } from '../helpers/tmp.js';

// Yield on the factory server (real PostgreSQL and PGlite): the stations' results logs come up
// in the uplink (kind `result`), counted once however often they are sent, and yield is counted
// with the station's rules — units by (product, hwid) on their first result in the range, a
// result with no hwid a unit of its own, FPY, result counts, the failures' Pareto — per period
// in a time zone, per slot, per station and for the whole fleet. Then a real joined station's
// results log reaching the server through its real uplink, and the dashboard's route.

const AT = '2026-11-30T20:00:00.000Z';
const PID = 1001;

/** A result row as a station's uplink sends it (station migration 0014's payload). */
const result = (
  src: number,
  at: string,
  r: 'PASS' | 'FAIL' | 'EXISTING',
  o: { hwid?: string | null; device_id?: string | null; step?: string; code?: string | null; port?: string; product_id?: number } = {},
): Record<string, unknown> => ({
  row_id: -src,
  version: 1,
  kind: 'result',
  product_id: o.product_id ?? PID,
  result: r,
  device_id: o.device_id ?? null,
  hwid: o.hwid === undefined ? null : o.hwid,
  step: o.step ?? (r === 'FAIL' ? 'write' : 'record'),
  code: o.code ?? null,
  at,
  station: 'ignored',
  port: o.port ?? 'p1',
});

// A1: HW1 fails then passes (one unit, not a first pass); HW2 passes first time and later shows
// up again (EXISTING, no new unit); two units the MES refused before any id or hwid was known.
const A1 = [
  result(1, '2026-11-30T01:00:00.000Z', 'FAIL', { hwid: 'HW1', device_id: 'LA100001', step: 'write', code: 'UNIT_TIMEOUT' }),
  result(2, '2026-11-30T01:10:00.000Z', 'PASS', { hwid: 'HW1', device_id: 'LA100001' }),
  result(3, '2026-11-30T01:20:00.000Z', 'PASS', { hwid: 'HW2', device_id: 'LA100002', port: 'p2' }),
  result(4, '2026-11-30T02:05:00.000Z', 'FAIL', { step: 'mes_check', code: 'MES_REJECTED' }),
  result(5, '2026-11-30T02:06:00.000Z', 'FAIL', { step: 'mes_check', code: 'MES_REJECTED', port: 'p2' }),
  result(6, '2026-11-30T02:30:00.000Z', 'EXISTING', { hwid: 'HW2', device_id: 'LA100002', step: 'hello' }),
];
// B2: HW3 a first pass; after midnight in Shanghai (16:30Z = 00:30 +08:00) HW4 fails, and HW1
// (A1's unit) passes here: over the fleet it is still A1's unit, over B2 alone a unit of B2's.
const B2 = [
  result(1, '2026-11-30T01:30:00.000Z', 'PASS', { hwid: 'HW3', device_id: 'LB200001' }),
  result(2, '2026-11-30T16:30:00.000Z', 'FAIL', { hwid: 'HW4', device_id: 'LB200002', step: 'verify', code: 'SIGNATURE_BAD' }),
  result(3, '2026-11-30T16:45:00.000Z', 'PASS', { hwid: 'HW1', device_id: 'LA100001' }),
];

/** The station's ledger opened for writing, as the station's own processes open it (migrated). */
function withStationDb<T>(home: string, f: (db: Db) => T): T {
  const db = openDb(home);
  try {
    return f(db);
  } finally {
    db.close();
  }
}

const c = (units: number, pass: number, fail: number, existing: number, first_pass: number) => ({ units, pass, fail, existing, first_pass, fpy: units === 0 ? null : first_pass / units });

describe.each(STORES)('yield from the uplinked results on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    const setup = async (): Promise<{ db: ServerDb; up: (station: string, rows: Record<string, unknown>[]) => ReturnType<typeof ingestUplink> }> => {
      const db = store();
      await migrateServerDb(db);
      await addStation(db, 'A1');
      await addStation(db, 'B2');
      await addProduct(db, PID);
      return { db, up: (station, rows) => ingestUplink(db, station, parseUplinkRows({ rows }), AT, nullLogger) };
    };

    it('takes results beside ledger rows (no key shared), once per station row however often sent', async () => {
      const { db, up } = await setup();
      // A ledger row 1 and a result row 1 of the same station in one batch: both taken.
      expect(await up('A1', [uplinkRow({ row_id: 1, version: 1, device_id: 'LA100001', hwid: 'HW1' }), ...A1])).toEqual({ accepted: 7, duplicates: 0, conflicts: [] });
      expect(await up('B2', B2)).toEqual({ accepted: 3, duplicates: 0, conflicts: [] });
      // The station was killed before it recorded the answer: the same batch again.
      expect(await up('A1', A1)).toEqual({ accepted: 0, duplicates: 6, conflicts: [] });
      // A receipt lost (a store restored from a backup, say): the table's own key keeps it once.
      await db.query('DELETE FROM uplink_receipts WHERE row_id < 0');
      expect(await up('B2', B2)).toMatchObject({ accepted: 3, duplicates: 0 });
      const rows = (await db.query('SELECT station, src_row, result, device_id, hwid, step, code, port FROM unit_results ORDER BY station, src_row')).rows;
      expect(rows).toHaveLength(9);
      expect(rows[3]).toEqual({ station: 'A1', src_row: 4, result: 'FAIL', device_id: null, hwid: null, step: 'mes_check', code: 'MES_REJECTED', port: 'p1' });
      // The station is the one that sent it, whatever the row says; the ledger row is the ledger's.
      expect(new Set(rows.map((r) => r.station))).toEqual(new Set(['A1', 'B2']));
      expect((await db.query('SELECT device_id, src_row FROM devices')).rows).toEqual([{ device_id: 'LA100001', src_row: 1 }]);
      // A result of a product the server never heard of still goes in (the product as a stub).
      expect(await up('B2', [result(9, '2026-11-29T23:00:00.000Z', 'PASS', { hwid: 'HX', product_id: 4242 })])).toMatchObject({ accepted: 1 });
      expect((await db.query("SELECT origin FROM products WHERE product_id = 4242")).rows).toEqual([{ origin: 'recorded' }]);
    });

    it('refuses a result row that is not whole, and the whole request with it', async () => {
      await setup();
      const bad = (o: Record<string, unknown>) => () => parseUplinkRows({ rows: [result(1, AT, 'PASS'), { ...result(2, AT, 'FAIL'), ...o }] });
      for (const o of [{ row_id: 2 }, { row_id: 0 }, { version: 2 }, { result: 'MAYBE' }, { step: '' }, { step: null }, { at: 'yesterday' }, { device_id: 'no spaces' }, { product_id: 0 }]) {
        expect(bad(o), JSON.stringify(o)).toThrow(expect.objectContaining({ code: 'FLEET_BAD_REQUEST' }));
      }
      // An empty hwid is none.
      expect(parseUplinkRows({ rows: [result(3, AT, 'PASS', { hwid: '' })] })[0]).toMatchObject({ kind: 'result', src_row: 3, hwid: null });
    });

    it('counts yield with the station rules: per station, per slot, per period in a zone, the fleet, and the Pareto', async () => {
      const { db, up } = await setup();
      await up('A1', A1);
      await up('B2', B2);
      await up('A1', A1);

      const fleet = await fleetYield(db, { timeZone: 'Asia/Shanghai', by: 'day' });
      expect(fleet).toMatchObject({ product_id: null, since: null, until: null, by: 'day', time_zone: 'Asia/Shanghai' });
      // Units: HW1, HW2, the two refused ones, HW3, HW4; first passes HW2 and HW3.
      expect(fleet.totals).toEqual(c(6, 4, 4, 1, 2));
      expect(fleet.stations).toEqual([
        { station: 'A1', ...c(4, 2, 3, 1, 1) },
        { station: 'B2', ...c(2, 2, 1, 0, 1) },
      ]);
      expect(fleet.slots).toEqual([
        { slot: 'A1/p1', ...c(2, 1, 2, 1, 0) },
        { slot: 'A1/p2', ...c(2, 1, 1, 0, 1) },
        { slot: 'B2/p1', ...c(2, 2, 1, 0, 1) },
      ]);
      expect(fleet.periods).toEqual([
        { start: '2026-11-30T00:00:00+08:00', end: '2026-12-01T00:00:00+08:00', ...c(5, 3, 3, 1, 2) },
        { start: '2026-12-01T00:00:00+08:00', end: '2026-12-02T00:00:00+08:00', ...c(1, 1, 1, 0, 0) },
      ]);
      // The refused units (no id, no hwid) lead the Pareto.
      expect(fleet.pareto).toEqual([
        { step: 'mes_check', code: 'MES_REJECTED', count: 2, share: 0.5, cumulative: 0.5 },
        { step: 'verify', code: 'SIGNATURE_BAD', count: 1, share: 0.25, cumulative: 0.75 },
        { step: 'write', code: 'UNIT_TIMEOUT', count: 1, share: 0.25, cumulative: 1 },
      ]);

      // One station: its own first results (HW1 is B2's unit when B2 is looked at alone), slots by port.
      const b2 = await fleetYield(db, { station: 'B2', timeZone: 'Asia/Shanghai', by: 'day' });
      expect(b2.totals).toEqual(c(3, 2, 1, 0, 2));
      expect(b2.stations).toEqual([{ station: 'B2', ...c(3, 2, 1, 0, 2) }]);
      expect(b2.slots).toEqual([{ slot: 'p1', ...c(3, 2, 1, 0, 2) }]);
      expect(b2.pareto).toEqual([{ step: 'verify', code: 'SIGNATURE_BAD', count: 1, share: 1, cumulative: 1 }]);

      // By the hour, in UTC (the default zone); the range's bounds as given.
      const hours = await fleetYield(db, { since: new Date('2026-11-30T01:00:00Z'), until: new Date('2026-11-30T03:00:00Z'), by: 'hour' });
      expect(hours).toMatchObject({ by: 'hour', time_zone: 'UTC', since: '2026-11-30T01:00:00+00:00', until: '2026-11-30T03:00:00+00:00' });
      expect(hours.periods).toEqual([
        { start: '2026-11-30T01:00:00+00:00', end: '2026-11-30T02:00:00+00:00', ...c(3, 3, 1, 0, 2) },
        { start: '2026-11-30T02:00:00+00:00', end: '2026-11-30T03:00:00+00:00', ...c(2, 0, 2, 1, 0) },
      ]);
      expect(hours.totals).toEqual(c(5, 3, 3, 1, 2));
      // No `by`: a range of two days or less goes by the hour, else by the day.
      expect((await fleetYield(db, {})).by).toBe('hour');
      expect((await fleetYield(db, { since: new Date('2026-11-01T00:00:00Z') })).by).toBe('day');

      // A range with nothing in it, and a product with nothing.
      const none = await fleetYield(db, { product_id: 7 });
      expect(none).toMatchObject({ product_id: 7, totals: c(0, 0, 0, 0, 0), periods: [], slots: [], stations: [], pareto: [] });
      expect(none.totals.fpy).toBeNull();
      await expect(fleetYield(db, { timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    });
  });
});

describe.each(STORES)('a joined station\'s results on the real server on %s', (kind: StoreKind) => {
  describe.skipIf(skipStore(kind))(kind, { timeout: 120_000 }, () => {
    const PASSWORD = 'yield dashboard pw';
    let sim: WechatSim;
    let root: string;
    let home: string;
    let database: TestDatabase | undefined;
    let server: FactoryServer;
    let env: NodeJS.ProcessEnv;
    let pid = 0;
    const admin = <T>(route: string, body: unknown) => adminCall<T>(home, 'POST', route, body);
    const req = (method: string, route: string, o: Parameters<typeof pinnedRequest>[4] = {}) => pinnedRequest(server.url, server.fingerprint, method, route, o);

    beforeAll(async () => {
      sim = await startWechatSim();
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-yield-'));
      home = path.join(root, 'home');
      const staticDir = path.join(root, 'renderer');
      fs.mkdirSync(staticDir);
      fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><html><head></head><body></body></html>\n');
      env = { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: 'server passphrase', WXPROV_OPERATOR: 'tester', WXPROV_ADMIN_PASSWORD: PASSWORD };
      if (kind === 'postgres') database = await createTestDatabase();
      server = await startFactoryServer({
        home,
        databaseUrl: database?.url,
        listen: { host: '127.0.0.1', port: 0 },
        env,
        registration: { enabled: false },
        dashboard: { staticDir, announcePassword: () => {}, timeZone: 'UTC' },
      });
      pid = (await admin<{ product_id: number }>('/admin/products/create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-Y' })).product_id;
      await admin('/admin/keys/create', { product_id: pid });
      await admin('/admin/products/set', { product_id: pid, id_template: 'Y{station}{seq:5}' });
    }, 120_000);

    afterAll(async () => {
      await server?.close();
      await sim?.close();
      await database?.drop();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it('a result written to the results log of a joined station reaches the server by the real uplink and shows in the dashboard', async () => {
      const enrolled = await admin<{ code: string }>('/admin/enroll', { station: 'Y1' });
      const stationEnv = { WXPROV_HOME: tmpDir(), WXPROV_KEY_PASSPHRASE: 'station passphrase', WXPROV_OPERATOR: 'op1' };
      const joined = await cliAsync(['fleet', 'join', '--server', server.url, '--fingerprint', server.fingerprint, '--code', enrolled.code, '--json'], stationEnv);
      expect([joined.code, joined.stderr]).toEqual([0, '']);

      // The station's own results log, written as the line writes it (MES refused one unit before any id).
      const now = new Date();
      withStationDb(stationEnv.WXPROV_HOME, (db) => {
        const log = new UnitResults(db);
        log.add({ result: 'FAIL', port: '/dev/ttyUSB0', product_id: pid, device_id: null, hwid: 'HWY1', step: 'mes_check', code: 'MES_REJECTED' }, 'Y1', new Date(now.getTime() - 2000));
        log.add({ result: 'PASS', port: '/dev/ttyUSB0', product_id: pid, device_id: null, hwid: 'HWY1', step: 'record', code: null }, 'Y1', new Date(now.getTime() - 1000));
        log.add({ result: 'PASS', port: '/dev/ttyUSB1', product_id: pid, device_id: null, hwid: 'HWY2', step: 'record', code: null }, 'Y1', now);
        expect(db.prepare("SELECT COUNT(*) FROM fleet_uplink WHERE kind = 'result' AND sent_at IS NULL").pluck().get()).toBe(3);
      });
      const synced = await cliAsync(['fleet', 'sync', '--json'], stationEnv);
      expect([synced.code, synced.stderr]).toEqual([0, '']);
      expect(synced.json).toMatchObject({ uplink_pending: 0 });
      expect(synced.json.uplink).toMatchObject({ sent: 3, accepted: 3, duplicates: 0 });

      // The dashboard, behind its login like the other /dashboard/ routes.
      expect((await req('GET', '/dashboard/stats')).status).toBe(401);
      const login = await req('POST', '/dashboard/login', { body: { password: PASSWORD } });
      expect(login.status).toBe(200);
      const cookie = (login.headers['set-cookie'] as string[] | undefined)?.[0]?.split(';')[0] ?? '';
      const get = (route: string) => req('GET', route, { headers: { cookie } });

      const stats = await get('/dashboard/stats?station=y1&tz=Asia/Shanghai&by=day');
      expect(stats.status).toBe(200);
      expect(stats.json).toMatchObject({ by: 'day', time_zone: 'Asia/Shanghai', totals: c(2, 2, 1, 0, 1) });
      expect(stats.json.stations).toEqual([{ station: 'Y1', ...c(2, 2, 1, 0, 1) }]);
      expect(stats.json.slots.map((s: { slot: string }) => s.slot)).toEqual(['/dev/ttyUSB0', '/dev/ttyUSB1']);
      expect(stats.json.pareto).toEqual([{ step: 'mes_check', code: 'MES_REJECTED', count: 1, share: 1, cumulative: 1 }]);
      expect(stats.json.periods).toHaveLength(1);
      expect(stats.json.periods[0].start).toMatch(/T00:00:00\+08:00$/);
      // The whole fleet, a product, a range (a bare date is the zone's day).
      expect((await get(`/dashboard/stats?product=${pid}`)).json.totals).toEqual(c(2, 2, 1, 0, 1));
      expect((await get(`/dashboard/stats?product=${pid + 1000}`)).json.totals).toEqual(c(0, 0, 0, 0, 0));
      expect((await get('/dashboard/stats?since=2020-01-01&until=2020-01-01')).json).toMatchObject({ since: '2020-01-01T00:00:00+00:00', until: '2020-01-02T00:00:00+00:00', totals: { units: 0 } });
      for (const q of ['tz=Mars/Olympus', 'by=week', 'product=x', 'since=yesterday', 'station=a-b', 'since=2026-11-30&until=2026-11-29']) {
        const r = await get(`/dashboard/stats?${q}`);
        expect([q, r.status, r.json.error.code]).toEqual([q, 400, 'INPUT_INVALID']);
      }
      // Today's units and FPY in the stations list.
      const stations = await get('/dashboard/stations');
      expect(stations.json.stations.find((s: { station: string }) => s.station === 'Y1')).toMatchObject({ units_today: 2, fpy_today: 0.5 });

      // Sent again (the answer lost): counted once.
      withStationDb(stationEnv.WXPROV_HOME, (db) => db.prepare('UPDATE fleet_uplink SET sent_at = NULL').run());
      const again = await cliAsync(['fleet', 'sync', '--json'], stationEnv);
      expect(again.json.uplink).toMatchObject({ sent: expect.any(Number), accepted: 0 });
      expect((await get('/dashboard/stats?station=Y1')).json.totals).toEqual(c(2, 2, 1, 0, 1));
    });
  });
});
