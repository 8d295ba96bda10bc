import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nullLogger } from '../../main/core/log/logger.js';
import { adminCall } from '../../main/core/server/admin/admin-client.js';
import { openEmbedded } from '../../main/core/server/db/embedded.js';
import { openPostgres } from '../../main/core/server/db/postgres.js';
import type { ServerDb, StoreKind } from '../../main/core/server/db/server-db.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { prng, sleep } from '../helpers/crash.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { pinnedRequest, type RawAnswer } from '../helpers/pinned-https.js';
import { STORES, skipStore } from '../helpers/server-db.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { uplinkRow } from '../helpers/server-fleet.js';

// The real `wxprov server` process SIGKILLed in the middle of an uplink and in the middle of a
// registration call, then started again on the same store: nothing lost (every row, every id
// registered), nothing doubled (each row applied once, one registration per id, an id sent to
// the platform again only if the killed call held it).

const PASSPHRASE = 'server key passphrase';

describe.each(STORES)('the factory server killed mid-work on %s', (kind: StoreKind) => {
  describe.skipIf(skipStore(kind))(kind, { timeout: 180_000 }, () => {
    let sim: WechatSim;
    let root: string;
    let home: string;
    let env: NodeJS.ProcessEnv;
    let database: TestDatabase | undefined;
    let server: ServerProcess | undefined;
    let credential = '';
    let pid = 0;

    const start = async () => (server = await startServerProcess({ home, kind, env, database }));
    const kill = async () => {
      await server!.stop('SIGKILL');
      server = undefined;
    };
    const post = (route: string, body: unknown): Promise<RawAnswer> => pinnedRequest(server!.url, server!.fingerprint, 'POST', route, { body, bearer: credential });
    /** The store, looked into directly: for the embedded one the server must be stopped (one process per data dir). */
    const inStore = async <T>(fn: (db: ServerDb) => Promise<T>): Promise<T> => {
      const db = kind === 'postgres' ? await openPostgres(database!.url, { log: nullLogger, max: 2 }) : await openEmbedded(path.join(home, 'pgdata'));
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    };
    const count = async (db: ServerDb, sql: string, args: (string | number)[] = []) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, args)).rows[0].n;

    beforeAll(async () => {
      sim = await startWechatSim();
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-srv-crash-'));
      home = path.join(root, 'home');
      env = { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: PASSPHRASE, WXPROV_OPERATOR: 'tester' };
      if (kind === 'postgres') database = await createTestDatabase();
      await start();
      pid = (await adminCall<{ product_id: number }>(home, 'POST', '/admin/products/create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-C' })).product_id;
      await adminCall(home, 'POST', '/admin/keys/create', { product_id: pid });
      await adminCall(home, 'POST', '/admin/products/set', { product_id: pid, id_template: 'C{station}{seq:6}' });
      const e = await adminCall<{ code: string }>(home, 'POST', '/admin/enroll', { station: 'K1' });
      credential = (await pinnedRequest(server!.url, server!.fingerprint, 'POST', '/v1/join', { body: { code: e.code } })).json.credential;
    }, 180_000);

    afterAll(async () => {
      await server?.stop('SIGKILL');
      await sim?.close();
      await database?.drop();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it('SIGKILL during uplinks: after a restart and a resend of everything, each row is applied once and none is missing', async () => {
      const rnd = prng(kind === 'postgres' ? 1010 : 2020);
      // 4 batches of 4,000 rows: per unit a device row, then a push test with its verified state;
      // each with its place in the station's outbox (seq), as a station sends them.
      const units = 2000;
      const batches = Array.from({ length: 4 }, (_, b) =>
        Array.from({ length: units }, (_, i) => {
          const row = b * units + i + 1;
          const device_id = `UPK${String(row).padStart(7, '0')}`;
          return [
            uplinkRow({ row_id: row, version: 1, product_id: pid, device_id, hwid: `HW${row}`, station: 'K1' }),
            uplinkRow({ row_id: row, version: 2, product_id: pid, device_id, hwid: `HW${row}`, station: 'K1', kind: 'unit_test', status: 'verified', test: { test: 'push', result: 'PASS', detail: null, at: '2026-11-30T08:00:00Z', port: 'COM3' } }),
          ];
        })
          .flat()
          .map((r, j) => ({ ...r, seq: b * units * 2 + j + 1 })),
      );
      const total = batches.length * units * 2;
      const killAt = rnd.int(1, 2);
      const answered: number[] = [];
      for (let b = 0; b < killAt; b++) {
        expect((await post('/v1/uplink', { rows: batches[b] })).status).toBe(200);
        answered.push(b);
      }
      let settled = false;
      const inFlight = post('/v1/uplink', { rows: batches[killAt] })
        .catch((e: Error) => e)
        .finally(() => (settled = true));
      let inTransaction = false;
      if (kind === 'postgres') {
        // Killed inside the ingest transaction: once it holds its lock on the station's uplink mark, before it commits.
        const watch = await openPostgres(database!.url, { log: nullLogger, max: 1 });
        try {
          while (!settled && !inTransaction) {
            const r = await watch.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'uplink_marks' AND l.mode IN ('RowShareLock', 'RowExclusiveLock') AND l.pid <> pg_backend_pid()",
            );
            inTransaction = r.rows[0].n > 0;
          }
        } finally {
          await watch.close();
        }
        expect(inTransaction).toBe(true);
      } else await sleep(rnd.int(20, 120));
      await kill();
      expect(await inFlight).toBeInstanceOf(Error);
      await start();
      // A station resends what it has no answer for; here: everything, answered or not.
      let accepted = 0;
      let duplicates = 0;
      const killed = { accepted: 0, duplicates: 0 };
      for (let b = 0; b < batches.length; b++) {
        const r = await post('/v1/uplink', { rows: batches[b] });
        expect(r.status).toBe(200);
        accepted += r.json.accepted;
        duplicates += r.json.duplicates;
        if (b === killAt) Object.assign(killed, r.json);
      }
      // The killed batch's transaction committed whole or not at all (inside it: not at all).
      expect([killed.accepted, killed.duplicates].sort((a, b) => a - b)).toEqual([0, units * 2]);
      if (inTransaction) expect(killed.accepted).toBe(units * 2);
      expect(accepted + duplicates).toBe(total);
      expect(duplicates).toBe(answered.length * units * 2 + killed.duplicates);
      if (kind === 'embedded') await kill();
      await inStore(async (db) => {
        // Taken up to the last row's place; no receipt per row (K1 was enrolled with a mark).
        expect((await db.query<{ seq: number }>("SELECT seq FROM uplink_marks WHERE station = 'K1'")).rows).toEqual([{ seq: total }]);
        expect(await count(db, "uplink_receipts WHERE station = 'K1'")).toBe(0);
        expect(await count(db, "devices WHERE device_id LIKE 'UPK%'")).toBe(total / 2);
        expect(await count(db, "devices WHERE device_id LIKE 'UPK%' AND status = 'verified' AND src_version = 2")).toBe(total / 2);
        expect(await count(db, "unit_tests WHERE device_id LIKE 'UPK%'")).toBe(total / 2);
        expect(await count(db, '(SELECT device_id FROM unit_tests GROUP BY device_id HAVING count(*) > 1) t')).toBe(0);
      });
      if (!server) await start();
    });

    it('SIGKILL during a registration call: after a restart every id is registered once in the ledger, and only the killed call is sent again', async () => {
      // Every adddevice answer is slow: the server is killed while one is being waited for.
      sim.inject({ endpoint: 'adddevice', kind: 'delay', ms: 10_000, times: Infinity });
      const before = sim.state.calls.length;
      const block = await post('/v1/blocks', { product_id: pid, count: 150, request_id: 'crash-reg' });
      expect(block.status).toBe(200);
      const ids: string[] = block.json.ids.map((x: { device_id: string }) => x.device_id);
      // The block nudged the background worker: wait for its first call to reach the platform.
      const first = async () => sim.state.calls.slice(before).find((c) => c.endpoint === 'adddevice');
      for (let i = 0; i < 200 && !(await first()); i++) await sleep(50);
      const killedCall = (await first())!.body as { device_id_list: string[] };
      expect(killedCall.device_id_list.length).toBeGreaterThan(0);
      await kill();
      sim.clearFaults();
      if (kind === 'embedded') {
        await inStore(async (db) => {
          expect(await count(db, "registrations WHERE state = 'synced' AND device_id LIKE 'CK1%'")).toBe(0);
        });
      }
      await start();
      const r = await adminCall<{ pending: number; failed: number; error?: unknown }>(home, 'POST', '/admin/sync', {});
      expect(r).toMatchObject({ pending: 0, failed: 0 });
      expect(r.error).toBeUndefined();
      const sent = sim.state.calls
        .slice(before)
        .filter((c) => c.endpoint === 'adddevice')
        .flatMap((c) => (c.body as { device_id_list: string[] }).device_id_list);
      const times = new Map<string, number>();
      for (const id of sent) times.set(id, (times.get(id) ?? 0) + 1);
      for (const id of ids) expect(times.get(id), id).toBeGreaterThanOrEqual(1);
      const twice = [...times].filter(([, n]) => n > 1).map(([id]) => id);
      expect(twice.every((id) => killedCall.device_id_list.includes(id))).toBe(true);
      expect([...times.values()].every((n) => n <= 2)).toBe(true);
      for (const id of ids) expect(sim.state.products.get(pid)!.device_ids.has(id)).toBe(true);
      if (kind === 'embedded') await kill();
      await inStore(async (db) => {
        expect(await count(db, "registrations WHERE device_id LIKE 'CK1%'")).toBe(150);
        expect(await count(db, "registrations WHERE device_id LIKE 'CK1%' AND state = 'synced'")).toBe(150);
        expect(await count(db, "devices WHERE device_id LIKE 'CK1%' AND synced_at IS NOT NULL")).toBe(150);
      });
    });
  });
});
