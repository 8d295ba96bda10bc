import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type CoreContext } from '../../main/core/context.js';
import { joinFleet } from '../../main/core/fleet/join.js';
import { MembershipStore } from '../../main/core/fleet/membership.js';
import { FleetWorker } from '../../main/core/fleet/worker.js';
import { nullLogger } from '../../main/core/log/logger.js';
import { HostConn } from '../../main/core/serial/host-conn.js';
import { memoryPort } from '../../main/core/serial/memory-port.js';
import { preflight, type LineReady } from '../../main/core/serial/preflight.js';
import { provisionUnit, type UnitResult } from '../../main/core/serial/provision.js';
import { DEFAULT_LINK_TIMING } from '../../main/core/serial/timing.js';
import { adminCall } from '../../main/core/server/admin/admin-client.js';
import { openEmbedded } from '../../main/core/server/db/embedded.js';
import { migrateServerDb } from '../../main/core/server/db/migrate.js';
import type { Param, ServerDb } from '../../main/core/server/db/server-db.js';
import { ServerKeyring } from '../../main/core/server/keys/keyring.js';
import { SimDevice } from '../../main/core/sim/device/index.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliAsync } from '../helpers/cli-async.js';
import { withLedger } from '../helpers/crash.js';
import { freePort } from '../helpers/free-port.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { readTree } from '../helpers/tmp.js';

// A joined station offline for a whole shift: the real `wxprov server` (embedded store) goes
// away and its port answers nothing (connections accepted, never served — worse than refused:
// anything that waited for it would wait out its timeout); the line makes 3,000 units from
// the block it took at join, through the real unit path (provisionUnit, simulated units on
// in-process ports, the real SQLite ledger) with the background worker trying the server all
// along. No id twice, no unit waiting. The server comes back on the same home and port, `fleet
// sync` sends everything: each row once on the server, each id registered once, nothing left.
// Then neither data dir nor any log holds a secret in clear.

const UNITS = 3_000;
/** Ports worked at once, as a line's fixtures are. */
const SLOTS = 4;
/** One block covers the shift (the fleet-wide station default; no admin command sets it yet). */
const BLOCK = 3_500;
const SERVER_PASSPHRASE = 'shift server passphrase';
const STATION_PASSPHRASE = 'shift station passphrase';

let sim: WechatSim;
let root: string;
let serverHome: string;
let serverEnv: NodeJS.ProcessEnv;
let server: ServerProcess | undefined;
let port: number;
let env: NodeJS.ProcessEnv;
let pid = 0;

const start = async () => (server = await startServerProcess({ home: serverHome, kind: 'embedded', env: serverEnv, args: ['--listen', `127.0.0.1:${port}`] }));
const stop = async () => {
  await server?.stop();
  server = undefined;
};
/** The embedded store, looked into with the server stopped (one process per data dir). */
async function inStore<T>(fn: (db: ServerDb) => Promise<T>): Promise<T> {
  const db = await openEmbedded(path.join(serverHome, 'pgdata'));
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
const count = async (db: ServerDb, sql: string, args: Param[] = []) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, args)).rows[0].n;

/** A port that accepts connections and never says a word: the server "there" but not answering. */
async function blackhole(p: number) {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const s = net.createServer((c) => {
    accepted++;
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((r) => s.listen(p, '127.0.0.1', () => r()));
  return {
    accepted: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const c of sockets) c.destroy();
        s.close(() => r());
      }),
  };
}

/** The shift: SLOTS fixtures, each taking fresh units one after another until UNITS are made. */
async function shift(ctx: CoreContext, ready: LineReady): Promise<UnitResult[]> {
  const results: UnitResult[] = [];
  let next = 0;
  const slot = async (s: number) => {
    const fixture = memoryPort(`sim:${s}`);
    try {
      while (next < UNITS) {
        const n = next++;
        const unit = await SimDevice.boot(fixture.unit, { commitMs: 0, hwid: `HWSHIFT${String(n).padStart(5, '0')}` });
        const link = await fixture.open();
        const conn = new HostConn(link, DEFAULT_LINK_TIMING);
        try {
          results.push(await provisionUnit(ctx, conn, { product_id: pid }, () => {}, ready));
        } finally {
          conn.dispose();
          await link.close();
          unit.stop();
        }
      }
    } finally {
      await fixture.close();
    }
  };
  await Promise.all(Array.from({ length: SLOTS }, (_, s) => slot(s + 1)));
  return results;
}

beforeAll(async () => {
  sim = await startWechatSim();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-shift-'));
  serverHome = path.join(root, 'server');
  fs.mkdirSync(serverHome, { mode: 0o700 });
  serverEnv = { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: SERVER_PASSPHRASE, WXPROV_OPERATOR: 'admin' };
  env = { WXPROV_HOME: path.join(root, 'station'), WXPROV_KEY_PASSPHRASE: STATION_PASSPHRASE, WXPROV_OPERATOR: 'night' };
  // The store made and its station default set before the server's first start.
  await inStore(async (db) => {
    await migrateServerDb(db);
    await db.query(`INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('station_defaults', $1::jsonb, now(), 'admin')`, [JSON.stringify({ block_size: BLOCK })]);
  });
  port = await freePort();
  await start();
  pid = (await adminCall<{ product_id: number }>(serverHome, 'POST', '/admin/products/create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-N' })).product_id;
  await adminCall(serverHome, 'POST', '/admin/keys/create', { product_id: pid });
  await adminCall(serverHome, 'POST', '/admin/products/set', { product_id: pid, id_template: 'N{station}{seq:6}' });
}, 120_000);

afterAll(async () => {
  await stop();
  await sim?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('a station offline for a whole shift', () => {
  it('makes 3,000 units from its block without waiting, then every row and id reaches the server once; no secret in clear anywhere', async () => {
    const { code } = await adminCall<{ code: string }>(serverHome, 'POST', '/admin/enroll', { station: 'N1' });
    const ctx = createContext({ env });
    const joined = await joinFleet(ctx, { server: server!.url, fingerprint: server!.fingerprint, code });
    expect(joined.blocks[pid]).toBe(BLOCK);
    const credential = ctx.sealer().unseal(new MembershipStore(ctx.db).sealedCredential()!).toString('utf8');

    // The shift: the server goes, its port hangs; the worker keeps trying in the background.
    await stop();
    const hole = await blackhole(port);
    const worker = new FleetWorker(ctx, { intervalMs: 200, backoff: { baseMs: 200, capMs: 1_000 } });
    const started = Date.now();
    let results: UnitResult[];
    try {
      const ready = await preflight(ctx, pid, undefined, { fleet: { onLow: () => worker.refillSoon() } });
      worker.start();
      results = await shift(ctx, ready);
    } finally {
      await worker.stop();
      await hole.close();
    }
    const shiftMs = Date.now() - started;
    expect(results.filter((u) => u.result !== 'PASS')).toEqual([]);
    expect(results).toHaveLength(UNITS);
    // The worker did try the hanging server, and no unit waited for it (a call waits 10–15 s before giving up).
    expect(hole.accepted()).toBeGreaterThan(0);
    expect(Math.max(...results.map((u) => u.ms))).toBeLessThan(2_000);
    const ids = results.map((u) => u.device_id!);
    expect(new Set(ids).size).toBe(UNITS);
    const one = (sql: string) => ctx.db.prepare(sql).pluck().get() as number;
    const station = {
      devices: one('SELECT COUNT(*) FROM devices'),
      used: one("SELECT COUNT(*) FROM fleet_ids WHERE state = 'used'"),
      rows_used: one("SELECT COUNT(DISTINCT device_row) FROM fleet_ids WHERE state = 'used'"),
      changes: one('SELECT COUNT(*) FROM fleet_uplink'),
      lastChange: one('SELECT MAX(id) FROM fleet_uplink'),
      unsent: one('SELECT COUNT(*) FROM fleet_uplink WHERE sent_at IS NULL'),
    };
    expect(station).toMatchObject({ devices: UNITS, used: UNITS, rows_used: UNITS, unsent: station.changes });
    // Every id the units hold came from the block the server minted (none minted here).
    expect(ctx.db.prepare("SELECT COUNT(*) FROM devices d JOIN fleet_ids f ON f.device_row = d.id AND f.device_id = d.device_id WHERE d.status = 'verified'").pluck().get()).toBe(UNITS);
    ctx.close();

    // The server is back on the same home and port; one `fleet sync` sends the shift.
    await start();
    const synced = await cliAsync(['fleet', 'sync', '--json'], env, 120_000);
    expect([synced.code, synced.stderr]).toEqual([0, '']);
    expect(synced.json).toMatchObject({ station_code: 'N1', uplink_pending: 0 });
    expect(synced.json.uplink.sent).toBe(station.changes);
    // The server's registration pass (it also runs by itself), then the station hears of it.
    expect((await adminCall<{ pending: number; failed: number }>(serverHome, 'POST', '/admin/sync', {})).pending).toBe(0);
    expect((await cliAsync(['fleet', 'sync', '--json'], env)).json.uplink_pending).toBe(0);
    // Back online, the station took its next block at once (500 left is under half a block).
    const minted = withLedger(env.WXPROV_HOME!, (db) => {
      expect(db.prepare('SELECT COUNT(*) FROM devices WHERE synced_at IS NULL').pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(0); // the station registered nothing itself
      return db.prepare('SELECT COUNT(*) FROM fleet_ids').pluck().get() as number;
    });
    expect(minted).toBe(2 * BLOCK);

    // Each id went to the platform exactly once, by the server.
    const sent = new Map<string, number>();
    for (const c of sim.state.calls) if (c.endpoint === 'adddevice' && c.errcode === 0) for (const d of (c.body as { device_id_list: string[] }).device_id_list) sent.set(d, (sent.get(d) ?? 0) + 1);
    for (const id of ids) expect(sent.get(id)).toBe(1);
    expect([...sent.values()].every((n) => n === 1)).toBe(true);
    expect(sent.size).toBe(minted);

    // On the server: each change received once, each unit's row as the station made it.
    const stdout = server!.stdout() + server!.stderr();
    await stop();
    const productKey = await inStore(async (db) => {
      // Every change taken, up to the last place in the station's outbox; none by a receipt of its own.
      expect((await db.query<{ seq: number }>('SELECT seq FROM uplink_marks WHERE station = $1', ['N1'])).rows).toEqual([{ seq: station.lastChange }]);
      expect(await count(db, 'uplink_receipts WHERE station = $1', ['N1'])).toBe(0);
      const verified = (await db.query<{ device_id: string }>("SELECT device_id FROM devices WHERE station = $1 AND status = 'verified'", ['N1'])).rows.map((r) => r.device_id);
      expect(verified.sort()).toEqual([...ids].sort());
      expect(await count(db, 'devices WHERE station = $1', ['N1'])).toBe(minted);
      expect(await count(db, "registrations r JOIN devices d USING (product_id, device_id) WHERE d.station = $1 AND r.state = 'synced'", ['N1'])).toBe(minted);
      // The credential the station holds is the one the server knows, by its hash only.
      expect(await count(db, 'stations WHERE code = $1 AND credential_hash = $2', ['N1', crypto.createHash('sha256').update(credential).digest('hex')])).toBe(1);
      // The product's private key, opened as the server opens it, to look for it below.
      const keyring = new ServerKeyring(db, { passphrase: SERVER_PASSPHRASE, now: () => new Date(), actor: 'test', log: nullLogger });
      await keyring.open();
      const sealed = (await db.query<{ sealed_private_key: Buffer | string }>('SELECT sealed_private_key FROM product_keys WHERE product_id = $1', [pid])).rows[0].sealed_private_key;
      const der = keyring.sealer().unseal(Buffer.from(sealed));
      keyring.close();
      return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    });

    // No secret in clear: not in the station's data dir (the SQLite files, the logs), not in the
    // server's home (its store's files, its logs) nor what it printed.
    const d = Buffer.from(productKey.export({ format: 'jwk' }).d!, 'base64url');
    const pemBody = (productKey.export({ type: 'pkcs8', format: 'pem' }) as string).split('\n')[1];
    const secrets: Record<string, Buffer> = {
      appsecret: Buffer.from(sim.appsecret),
      'server passphrase': Buffer.from(SERVER_PASSPHRASE),
      'station passphrase': Buffer.from(STATION_PASSPHRASE),
      credential: Buffer.from(credential),
      'enrolment code': Buffer.from(code),
      'product key d (raw)': d,
      'product key d (hex)': Buffer.from(d.toString('hex')),
      'product key d (base64url)': Buffer.from(d.toString('base64url')),
      'product key PEM': Buffer.from(pemBody),
    };
    // The server's TLS key is its identity, kept in tls/key.pem (0600) on purpose: the only PEM key allowed.
    const files = [...readTree(env.WXPROV_HOME!), ...readTree(serverHome).filter((f) => f.file !== path.join(serverHome, 'tls', 'key.pem')), { file: 'server output', bytes: Buffer.from(stdout) }];
    expect(files.length).toBeGreaterThan(10);
    const found: string[] = [];
    for (const f of files) {
      for (const [name, s] of Object.entries(secrets)) if (f.bytes.includes(s)) found.push(`${name} in ${f.file}`);
      if (f.bytes.includes('PRIVATE KEY-----')) found.push(`a PEM private key in ${f.file}`);
    }
    expect(found).toEqual([]);
    // The scan reads what the stores hold in plain text: an id is found in both.
    expect(files.some((f) => f.file.startsWith(path.join(serverHome, 'pgdata')) && f.bytes.includes(ids[0]))).toBe(true);
    expect(files.some((f) => f.file.startsWith(env.WXPROV_HOME!) && f.bytes.includes(ids[0]))).toBe(true);
    // Well inside a CI budget: the shift itself is what scales.
    expect(shiftMs).toBeLessThan(45_000);
  }, 180_000);
});
