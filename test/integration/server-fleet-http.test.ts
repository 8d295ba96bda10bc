import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePublicKeyPem, verifyDeviceId } from '../../main/core/keys/ecdsa.js';
import { adminCall } from '../../main/core/server/admin/admin-client.js';
import { startFactoryServer, type FactoryServer } from '../../main/core/server/app.js';
import type { StoreKind } from '../../main/core/server/db/server-db.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliAsync } from '../helpers/cli-async.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { pinnedRequest } from '../helpers/pinned-https.js';
import { STORES, skipStore } from '../helpers/server-db.js';
import { uplinkRow } from '../helpers/server-fleet.js';

// The fleet protocol's blocks, online signing and uplink over real HTTPS, on a factory server
// running in this process on each store, with the registration pass, records, conflicts and
// their admin commands (real CLI processes). On PostgreSQL, two stations asking for the same
// ids at the same moment: exactly one wins each.

const PASSPHRASE = 'server key passphrase';

describe.each(STORES)('the fleet protocol over HTTPS on %s', (kind: StoreKind) => {
  describe.skipIf(skipStore(kind))(kind, { timeout: 90_000 }, () => {
    let sim: WechatSim;
    let root: string;
    let home: string;
    let database: TestDatabase | undefined;
    let server: FactoryServer;
    let env: NodeJS.ProcessEnv;
    let pid: number;
    let snPid: number;
    const cred: Record<string, string> = {};
    const call = (station: string | undefined, method: string, route: string, body?: unknown) =>
      pinnedRequest(server.url, server.fingerprint, method, route, { body, ...(station ? { bearer: cred[station] } : {}) });
    const admin = <T>(method: 'GET' | 'POST', route: string, body?: unknown) => adminCall<T>(home, method, route, body);
    const cli = (...argv: string[]) => cliAsync(['server', ...argv, '--home', home], env);

    beforeAll(async () => {
      sim = await startWechatSim();
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-fleet-http-'));
      home = path.join(root, 'home');
      env = { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: PASSPHRASE, WXPROV_OPERATOR: 'tester' };
      if (kind === 'postgres') database = await createTestDatabase();
      server = await startFactoryServer({
        home,
        databaseUrl: database?.url,
        listen: { host: '127.0.0.1', port: 0 },
        env,
        // The tests run each pass themselves.
        registration: { enabled: false },
      });
      pid = (await admin<{ product_id: number }>('POST', '/admin/products/create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-H' })).product_id;
      await admin('POST', '/admin/keys/create', { product_id: pid });
      await admin('POST', '/admin/products/set', { product_id: pid, id_template: 'H{station}{seq:5}' });
      snPid = (await admin<{ product_id: number }>('POST', '/admin/products/create', { english_name: 'Plug', chinese_name: '插座', default_name: '插座', model_name: 'PLUG-H' })).product_id;
      await admin('POST', '/admin/keys/create', { product_id: snPid });
      await admin('POST', '/admin/products/set', { product_id: snPid, id_template: 'P{sn}' });
      for (const station of ['A1', 'B2']) {
        const e = await admin<{ code: string }>('POST', '/admin/enroll', { station });
        const j = await call(undefined, 'POST', '/v1/join', { code: e.code });
        expect(j.status).toBe(200);
        cred[station] = j.json.credential;
      }
    }, 120_000);

    afterAll(async () => {
      await server?.close();
      await sim?.close();
      await database?.drop();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    let blockIds: { device_id: string; signature: string }[] = [];

    it('gives a station a signed block, the same block again for the same request, and refuses what it cannot mint', async () => {
      const b = await call('A1', 'POST', '/v1/blocks', { product_id: pid, count: 40, request_id: 'blk-1' });
      expect(b.status).toBe(200);
      expect(b.json).toMatchObject({ product_id: pid, key_version: 1, block_id: expect.any(String) });
      expect(b.json.ids).toHaveLength(40);
      expect(b.json.ids[0].device_id).toBe('HA100001');
      const d = await call('A1', 'GET', '/v1/downlink');
      const pub = parsePublicKeyPem(d.json.products.find((p: { product_id: number }) => p.product_id === pid).keys[0].public_key_pem);
      for (const x of b.json.ids) expect(verifyDeviceId(pub, pid, x.device_id, x.signature)).toBe(true);
      blockIds = b.json.ids;
      expect((await call('A1', 'POST', '/v1/blocks', { product_id: pid, count: 40, request_id: 'blk-1' })).json).toEqual(b.json);
      const other = await call('B2', 'POST', '/v1/blocks', { product_id: pid, count: 5, request_id: 'blk-1' });
      expect(other.json.ids.map((x: { device_id: string }) => x.device_id)).toEqual(['HB200001', 'HB200002', 'HB200003', 'HB200004', 'HB200005']);
      // every pre-signed id was queued for registration when it was minted
      expect(d.json.registrations).toHaveLength(40);
      const sn = await call('A1', 'POST', '/v1/blocks', { product_id: snPid, request_id: 'blk-2' });
      expect([sn.status, sn.json.error.code]).toEqual([422, 'FLEET_TEMPLATE_NOT_BLOCKABLE']);
      expect((await call('A1', 'POST', '/v1/blocks', { product_id: pid, count: 0, request_id: 'blk-3' })).status).toBe(400);
      expect((await call(undefined, 'POST', '/v1/blocks', { product_id: pid })).status).toBe(401);
    });

    it('signs an id only a unit knows, for one station: another asking gets 409 DEVICE_ID_TAKEN', async () => {
      const a = await call('A1', 'POST', '/v1/sign', { product_id: snPid, device_id: 'PSN000001', hwid: 'HWSN1', sn: 'SN000001', request_id: 'sig-1' });
      expect(a.status).toBe(200);
      expect(a.json).toEqual({ device_id: 'PSN000001', signature: expect.any(String), key_version: 1 });
      expect((await call('A1', 'POST', '/v1/sign', { product_id: snPid, device_id: 'PSN000001', request_id: 'sig-1' })).json).toEqual(a.json);
      const b = await call('B2', 'POST', '/v1/sign', { product_id: snPid, device_id: 'PSN000001', request_id: 'sig-9' });
      expect([b.status, b.json.error.code, b.json.error.params.device_id]).toEqual([409, 'DEVICE_ID_TAKEN', 'PSN000001']);
    });

    it.skipIf(kind !== 'postgres')('gives each id to exactly one of two stations asking at the same moment', async () => {
      const ids = Array.from({ length: 24 }, (_, i) => `PRACE${String(i).padStart(3, '0')}`);
      const asks = ids.flatMap((id) => ['A1', 'B2'].map((s) => call(s, 'POST', '/v1/sign', { product_id: snPid, device_id: id, request_id: `race-${s}-${id}` }).then((r) => ({ s, id, r }))));
      const answers = await Promise.all(asks);
      for (const id of ids) {
        const both = answers.filter((x) => x.id === id);
        expect(both.map((x) => x.r.status).sort()).toEqual([200, 409]);
        expect(both.find((x) => x.r.status === 409)!.r.json.error.code).toBe('DEVICE_ID_TAKEN');
      }
      const winners = answers.filter((x) => x.r.status === 200);
      const rows = (await cli('records', '--product', String(snPid), '--format', 'json')).json as { device_id: string; station: string }[];
      for (const w of winners) expect(rows.find((r) => r.device_id === w.id)?.station).toBe(w.s);
      expect(rows.filter((r) => r.device_id.startsWith('PRACE'))).toHaveLength(24);
    });

    it('takes an uplink once, and tells both stations of a conflict in its answer and their downlinks', async () => {
      const [x, y] = blockIds;
      const rows = [
        uplinkRow({ row_id: 1, version: 1, product_id: pid, device_id: x.device_id, hwid: 'HWX', signature: x.signature }),
        uplinkRow({ row_id: 1, version: 2, product_id: pid, device_id: x.device_id, hwid: 'HWX', signature: x.signature, status: 'verified', operator: '=HYPERLINK("x")' }),
        uplinkRow({ row_id: 2, version: 1, product_id: pid, device_id: y.device_id, hwid: 'HWY', signature: y.signature, status: 'verified' }),
      ];
      const first = await call('A1', 'POST', '/v1/uplink', { rows });
      expect([first.status, first.json]).toEqual([200, { accepted: 3, duplicates: 0, conflicts: [] }]);
      expect((await call('A1', 'POST', '/v1/uplink', { rows })).json).toEqual({ accepted: 0, duplicates: 3, conflicts: [] });
      // B2 reports A1's id x on another unit
      const clash = await call('B2', 'POST', '/v1/uplink', { rows: [uplinkRow({ row_id: 77, version: 1, product_id: pid, device_id: x.device_id, hwid: 'HWOTHER', status: 'verified' })] });
      expect(clash.json.conflicts).toEqual([expect.objectContaining({ kind: 'id_two_units', device_id: x.device_id, station: 'A1', hwid: 'HWX', other_station: 'B2', other_hwid: 'HWOTHER' })]);
      for (const s of ['A1', 'B2']) {
        const d = await call(s, 'GET', '/v1/downlink');
        expect(d.json.conflicts.map((c: { id: number }) => c.id)).toEqual([clash.json.conflicts[0].id]);
      }
      const listed = await cli('conflicts', '--json');
      expect(listed.code).toBe(0);
      expect(listed.json.conflicts).toEqual([expect.objectContaining({ id: clash.json.conflicts[0].id, detail: expect.objectContaining({ hwid: 'HWOTHER', row_id: 77 }) })]);
      const text = await cli('conflicts');
      expect(text.stdout).toContain('id_two_units');
      expect(text.stdout).toContain('HWOTHER');
      expect((await call('A1', 'POST', '/v1/uplink', { rows: [{ row_id: 'x' }] })).json.error.code).toBe('FLEET_BAD_REQUEST');
    });

    it('`server sync` registers what is queued; each station hears its ids registered', async () => {
      const before = await call('A1', 'GET', '/v1/downlink');
      const r = await cli('sync', '--json');
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.json).toMatchObject({ failed: 0, pending: 0 });
      expect(r.json.synced).toBeGreaterThanOrEqual(46);
      for (const x of blockIds) expect(sim.state.products.get(pid)!.device_ids.has(x.device_id)).toBe(true);
      expect(sim.state.products.get(snPid)!.device_ids.has('PSN000001')).toBe(true);
      const after = await call('A1', 'GET', `/v1/downlink?since=${before.json.version}`);
      const synced = after.json.registrations.filter((x: { state: string }) => x.state === 'synced').map((x: { device_id: string }) => x.device_id);
      for (const x of blockIds) expect(synced).toContain(x.device_id);
      // nothing of B2's in A1's downlink
      expect(synced).not.toContain('HB200001');
      expect((await cli('sync')).stdout).toMatch(/^synced 0, failed 0, cancelled 0, pending 0, calls 0/);
    });

    it('`server records` streams the fleet ledger with the station record keys, station always set, CSV neutralised', async () => {
      const json = await cli('records', '--station', 'a1', '--format', 'json');
      expect(json.code).toBe(0);
      const rows = json.json as Record<string, unknown>[];
      expect(Object.keys(rows[0])).toEqual(['device_id', 'product_id', 'key_version', 'signature', 'hwid', 'status', 'station', 'port', 'created_at', 'synced_at', 'sn', 'operator', 'last_error']);
      expect(rows.every((r) => r.station === 'A1')).toBe(true);
      expect(rows.length).toBeGreaterThanOrEqual(41);
      const csv = await cli('records', '--product', String(pid));
      expect(csv.code).toBe(0);
      const lines = csv.stdout.split('\r\n');
      expect(lines[0]).toBe('\uFEFF"device_id","product_id","key_version","signature","hwid","status","station","port","created_at","synced_at","sn","operator","last_error"');
      expect(csv.stdout).toContain(`"'=HYPERLINK(""x"")"`);
      expect(lines.filter((l) => l.includes('"B2"'))).toHaveLength(5);
      const none = await cli('records', '--since', '2999-01-01', '--format', 'json');
      expect(none.json).toEqual([]);
      const bad = await cli('records', '--since', 'someday');
      expect(bad.code).toBe(2);
    });

    it('keeps secrets out of its logs and its answers', async () => {
      server.log.flush();
      const logs = fs
        .readdirSync(path.join(home, 'logs'))
        .map((f) => fs.readFileSync(path.join(home, 'logs', f), 'utf8'))
        .join('\n');
      const sj = JSON.parse(fs.readFileSync(path.join(home, 'server.json'), 'utf8'));
      for (const secret of [sim.appsecret, PASSPHRASE, cred.A1, cred.B2, sj.admin_token, 'PRIVATE KEY', 'WXS:env1']) expect(logs).not.toContain(secret);
      const d = await call('A1', 'GET', '/v1/downlink');
      const b = await call('A1', 'POST', '/v1/blocks', { product_id: pid, count: 2, request_id: 'blk-secret' });
      for (const text of [d.text, b.text]) for (const secret of [sim.appsecret, PASSPHRASE, cred.A1, 'PRIVATE KEY', 'WXS:']) expect(text).not.toContain(secret);
    });
  });
});
