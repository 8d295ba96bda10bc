import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../main/core/serial/pty.js';
import { SimDevice } from '../../main/core/sim/device/index.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliAsync } from '../helpers/cli-async.js';
import { withLedger } from '../helpers/crash.js';
import { freePort } from '../helpers/free-port.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { readTree, tmpDir } from '../helpers/tmp.js';

// End to end with the real `wxprov server` process (embedded store) and real station
// processes: enroll on the server, join from a station, flash a simulated unit from a block
// with the server stopped, then `fleet sync` once it is back, and the server registers the id.

describe('a station and the real factory server', () => {
  let sim: WechatSim;
  let serverHome: string;
  let serverEnv: NodeJS.ProcessEnv;
  let server: ServerProcess | undefined;
  let port: number;
  let pty: PtyPair | undefined;
  let dev: SimDevice | undefined;

  const start = async () => (server = await startServerProcess({ home: serverHome, kind: 'embedded', env: serverEnv, args: ['--listen', `127.0.0.1:${port}`] }));
  const admin = (...argv: string[]) => cliAsync(['server', ...argv, '--home', serverHome, '--json'], serverEnv);

  beforeAll(async () => {
    sim = await startWechatSim();
    serverHome = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-e2e-')), 'home');
    serverEnv = { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: 'server passphrase', WXPROV_OPERATOR: 'admin' };
    port = await freePort();
    await start();
  }, 120_000);

  afterAll(async () => {
    dev?.stop();
    await pty?.close();
    await server?.stop();
    await sim?.close();
    fs.rmSync(path.dirname(serverHome), { recursive: true, force: true });
  });

  it('enroll, join, flash offline from a block, sync when the server is back: registered by the server', async () => {
    const p = await admin('product', 'create', '--en', 'Lamp', '--zh', '台灯', '--default-name', '台灯', '--model', 'LAMP-E');
    expect(p.code).toBe(0);
    const pid = p.json.product_id as number;
    expect((await admin('key', 'create', '--product', String(pid))).code).toBe(0);
    expect((await admin('product', 'set', '--product', String(pid), '--id-template', 'E{station}{seq:5}')).code).toBe(0);
    const enrolled = await admin('enroll', '--station', 'E1');
    expect(enrolled.json).toMatchObject({ station: 'E1' });

    const env = { WXPROV_HOME: tmpDir(), WXPROV_KEY_PASSPHRASE: 'station passphrase', WXPROV_OPERATOR: 'op5' };
    const joined = await cliAsync(['fleet', 'join', '--server', server!.url, '--fingerprint', server!.fingerprint, '--code', enrolled.json.code, '--json'], env);
    expect([joined.code, joined.stderr]).toEqual([0, '']);
    expect(joined.json).toMatchObject({ station_code: 'E1' });
    expect(joined.json.blocks[pid]).toBeGreaterThan(0);

    // The server goes away; the line does not stop.
    await server!.stop();
    server = undefined;
    const link = path.join(os.tmpdir(), `wxprov-e2e-${process.pid}`);
    pty = await openPtyPair(link);
    dev = await SimDevice.boot(pty.link, { commitMs: 20, hwid: 'HWE2E1' });
    const flashed = await cliAsync(['flash', '--port', link, '--product', String(pid), '--json'], env);
    expect(flashed.json).toMatchObject({ result: 'PASS', device_id: 'EE100001', hwid: 'HWE2E1' });
    expect(dev.identity()).toMatchObject({ host_app_id: sim.appid, product_id: String(pid), device_id: 'EE100001' });
    const offline = await cliAsync(['fleet', 'status', '--json'], env);
    // Three ledger changes and the unit's result.
    expect(offline.json.uplink_pending).toBe(4);

    await start();
    const synced = await cliAsync(['fleet', 'sync', '--json'], env);
    expect([synced.code, synced.stderr]).toEqual([0, '']);
    expect(synced.json).toMatchObject({ station_code: 'E1', uplink_pending: 0 });
    expect(synced.json.uplink.sent).toBe(4);

    // The server's records hold the unit as the station made it.
    const records = await cliAsync(['server', 'records', '--home', serverHome, '--station', 'E1', '--format', 'json'], serverEnv);
    expect(records.code).toBe(0);
    expect(records.json).toEqual(expect.arrayContaining([expect.objectContaining({ device_id: 'EE100001', status: 'verified', hwid: 'HWE2E1', station: 'E1' })]));
    // The server registered the id itself (queued when it minted the block): one pass does it.
    expect((await admin('sync')).code).toBe(0);
    expect(sim.state.products.get(pid)?.device_ids.has('EE100001')).toBe(true);
    // The station registered nothing and holds no secret in clear.
    withLedger(env.WXPROV_HOME, (db) => {
      expect(db.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM product_keys').pluck().get()).toBe(0);
    });
    const credentialShaped = /[A-Za-z0-9_-]{43}/;
    for (const f of readTree(env.WXPROV_HOME).filter((x) => x.file.endsWith('.log'))) expect(f.bytes.toString('utf8')).not.toMatch(new RegExp(`Bearer ${credentialShaped.source}`));
  }, 240_000);

  it('ids known only at the unit are signed by the server, which reserves them fleet-wide: a second station asking for the same id is refused before its unit is written', async () => {
    const p = await admin('product', 'create', '--en', 'Tag', '--zh', '标签', '--default-name', '标签', '--model', 'TAG-E');
    const pid = p.json.product_id as number;
    expect((await admin('key', 'create', '--product', String(pid))).code).toBe(0);
    expect((await admin('product', 'set', '--product', String(pid), '--id-template', 'S{sn}')).code).toBe(0);
    const station = async (code: string) => {
      const env = { WXPROV_HOME: tmpDir(), WXPROV_KEY_PASSPHRASE: 'station passphrase', WXPROV_OPERATOR: code };
      const enrolled = await admin('enroll', '--station', code);
      const j = await cliAsync(['fleet', 'join', '--server', server!.url, '--fingerprint', server!.fingerprint, '--code', enrolled.json.code, '--json'], env);
      expect(j.code).toBe(0);
      expect(j.json.blocks[pid]).toBe(0);
      return env;
    };
    const [a, b] = [await station('S1'), await station('S2')];
    const units: { link: string; dev: SimDevice; pty: PtyPair }[] = [];
    try {
      for (const hw of ['HWSA', 'HWSB']) {
        const link = path.join(os.tmpdir(), `wxprov-e2e-${process.pid}-${hw}`);
        const p2 = await openPtyPair(link);
        units.push({ link, pty: p2, dev: await SimDevice.boot(p2.link, { commitMs: 20, hwid: hw }) });
      }
      const first = await cliAsync(['flash', '--port', units[0].link, '--product', String(pid), '--sn', '777', '--json'], a);
      expect(first.json).toMatchObject({ result: 'PASS', device_id: 'S777' });
      const second = await cliAsync(['flash', '--port', units[1].link, '--product', String(pid), '--sn', '777', '--json'], b);
      expect(second.json).toMatchObject({ result: 'FAIL', step: 'allocate', code: 'DEVICE_ID_TAKEN', device_id: null });
      expect(units[1].dev.state()).toBe('blank');
    } finally {
      for (const u of units) {
        u.dev.stop();
        await u.pty.close();
      }
    }
  }, 240_000);
});
