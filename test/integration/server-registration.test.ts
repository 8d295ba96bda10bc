import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nullLogger } from '../../main/core/log/logger.js';
import { nextQuotaReset } from '../../main/core/registry/quota-time.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { migrateServerDb } from '../../main/core/server/db/migrate.js';
import type { ServerDb } from '../../main/core/server/db/server-db.js';
import { BlockService } from '../../main/core/server/fleet/blocks.js';
import { buildDownlink } from '../../main/core/server/fleet/downlink.js';
import { registrationPass, type RegistrationDeps } from '../../main/core/server/registrations/pass.js';
import { readRegistrationState } from '../../main/core/server/registrations/state.js';
import { WechatClient } from '../../main/core/wechat/client.js';
import { STORES, skipStore, useStore } from '../helpers/server-db.js';
import { addProduct, addStation, seedKeys } from '../helpers/server-fleet.js';
import { pgSkip } from '../helpers/pg.js';

// The server's registration worker against the WeChat simulator, on real PostgreSQL and
// PGlite: the station's sync rules (errcode 0 only, split only on a bad id, a quota pause until
// Beijing midnight, stop on anything else keeping the queue) over the fleet's registrations,
// each id's state flowing back to its station; and, on PostgreSQL, two workers at once
// claiming disjoint rows.

let sim: WechatSim;
let clock: Date;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.state.rejectDeviceIds.clear();
  clock = new Date('2026-11-30T10:00:00Z');
});

const client = () =>
  new WechatClient({ apiBase: sim.url, credentials: { appid: sim.appid, appsecret: sim.appsecret }, logger: nullLogger, retry: { maxAttempts: 2, baseMs: 1, capMs: 2 }, timeoutMs: 5000 });

const addCalls = () => sim.state.calls.filter((c) => c.endpoint === 'adddevice' && c.errcode === 0).map((c) => (c.body as { device_id_list: string[] }).device_id_list);

async function setup(db: ServerDb, n: number, template = 'R{station}{seq:5}'): Promise<{ pid: number; ids: string[]; deps: RegistrationDeps }> {
  await migrateServerDb(db);
  const wx = client();
  const pid = (await wx.createProduct({ english_product_name: 'e', chinese_product_name: 'z', device_default_name: 'd' })).product_id;
  await addStation(db, 'A1');
  await addProduct(db, pid, { template, model: 'MODEL-S' });
  const fleet = await seedKeys(db, [pid]);
  const block = await new BlockService({ db, now: () => clock, log: nullLogger, signers: fleet.signers }).mint('A1', pid, n, `r-${n}`);
  return { pid, ids: block.ids.map((x) => x.device_id), deps: { db, wechat: () => wx, now: () => clock, log: nullLogger } };
}

const states = async (db: ServerDb) =>
  Object.fromEntries((await db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM registrations GROUP BY state')).rows.map((r) => [r.state, r.n]));

describe.each(STORES)('the registration worker on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it("registers every queued id in batches with the model name; synced in the ledger and in the station's downlink", async () => {
      const db = store();
      const { pid, ids, deps } = await setup(db, 25);
      const before = addCalls().length;
      const r = await registrationPass(deps, { batchSize: 10 });
      expect(r).toEqual({ synced: 25, failed: 0, cancelled: 0, pending: 0, calls: 3, by_code: { synced: 25 } });
      expect(addCalls().slice(before).map((l) => l.length)).toEqual([10, 10, 5]);
      expect([...sim.state.products.get(pid)!.device_ids].sort()).toEqual(ids);
      expect([...sim.state.products.get(pid)!.model_names]).toEqual(['MODEL-S']);
      expect(await states(db)).toEqual({ synced: 25 });
      expect((await db.query('SELECT count(*)::int AS n FROM devices WHERE synced_at IS NULL')).rows[0].n).toBe(0);
      const d = await buildDownlink(db, 'A1', { hostAppId: sim.appid });
      expect(new Set(d.registrations.map((x) => x.state))).toEqual(new Set(['synced']));
      expect(d.registrations.map((x) => x.device_id).sort()).toEqual(ids);
      // nothing left: a pass makes no call
      expect((await registrationPass(deps)).calls).toBe(0);
    });

    it('splits a refused batch down to the bad id, fails it alone with the reason and registers the rest', async () => {
      const db = store();
      const { ids, deps } = await setup(db, 16);
      sim.rejectDeviceIds([ids[5]]);
      const r = await registrationPass(deps, { batchSize: 16 });
      expect(r).toMatchObject({ synced: 15, failed: 1, pending: 0, by_code: { synced: 15, WX_INVALID_ARGS: 1 } });
      expect(r.refused).toMatchObject({ code: 'FLEET_SYNC_IDS_REFUSED', params: { count: 1 } });
      const failed = (await db.query("SELECT device_id, last_error FROM registrations WHERE state = 'failed'")).rows;
      expect(failed).toEqual([{ device_id: ids[5], last_error: expect.stringMatching(/^WX_INVALID_ARGS \(40097\)/) }]);
      const d = await buildDownlink(db, 'A1', { hostAppId: sim.appid });
      expect(d.registrations.find((x) => x.device_id === ids[5])?.state).toBe('failed');
    });

    it('pauses on the quota until Beijing midnight with everything kept, then goes on', async () => {
      const db = store();
      const { deps } = await setup(db, 12);
      sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 45009, times: 1 });
      const r = await registrationPass(deps, { batchSize: 5 });
      const until = nextQuotaReset(clock).toISOString();
      expect(r).toMatchObject({ synced: 0, pending: 12, paused_until: until, error: { code: 'WX_QUOTA_EXCEEDED', errcode: 45009 } });
      expect(await readRegistrationState(db)).toMatchObject({ paused_until: until, last_error: 'WX_QUOTA_EXCEEDED', last_errcode: 45009 });
      const calls = sim.state.calls.length;
      const paused = await registrationPass(deps, { batchSize: 5 });
      expect(paused).toMatchObject({ calls: 0, pending: 12, error: { code: 'FLEET_SYNC_PAUSED' }, by_code: { FLEET_SYNC_PAUSED: 12 } });
      expect(sim.state.calls.length).toBe(calls);
      clock = new Date(Date.parse(until) + 1000);
      expect(await registrationPass(deps, { batchSize: 5 })).toMatchObject({ synced: 12, pending: 0 });
      expect(await readRegistrationState(db)).toMatchObject({ paused_until: null, last_error: null });
    });

    it('stops on any other failure with the batch kept (no split, no failure marked), the attempt noted', async () => {
      const db = store();
      const { deps } = await setup(db, 8);
      sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 48001, times: 1 });
      const before = sim.state.calls.filter((c) => c.endpoint === 'adddevice').length;
      const r = await registrationPass(deps, { batchSize: 8 });
      expect(r).toMatchObject({ synced: 0, failed: 0, pending: 8, calls: 1, error: { code: 'WX_API_UNAUTHORIZED' } });
      expect(sim.state.calls.filter((c) => c.endpoint === 'adddevice').length - before).toBe(1);
      expect((await db.query('SELECT DISTINCT attempts, last_error FROM registrations')).rows).toEqual([{ attempts: 1, last_error: 'WX_API_UNAUTHORIZED' }]);
      expect(await registrationPass(deps, { batchSize: 8 })).toMatchObject({ synced: 8, pending: 0 });
    });

    it('cancels instead of sending the registration of an id voided meanwhile; passes over a product without a model name', async () => {
      const db = store();
      const { ids, deps, pid } = await setup(db, 4);
      await db.query("UPDATE devices SET status = 'void', void_reason = 'erased' WHERE device_id = $1", [ids[0]]);
      const r = await registrationPass(deps);
      expect(r).toMatchObject({ synced: 3, cancelled: 1, pending: 0 });
      expect(sim.state.products.get(pid)!.device_ids.has(ids[0])).toBe(false);
      await db.query('UPDATE products SET model_name = NULL WHERE product_id = $1', [pid]);
      await db.query("UPDATE registrations SET state = 'pending', synced_at = NULL WHERE device_id = $1", [ids[1]]);
      const skipped = await registrationPass(deps);
      expect(skipped).toMatchObject({ calls: 0, pending: 1, skipped: [{ product_id: pid, error: { code: 'PRODUCT_MODEL_MISSING' } }] });
    });
  });
});

describe.skipIf(pgSkip)('two registration workers at once (real PostgreSQL)', () => {
  const store = useStore('postgres');

  it('claim disjoint rows: every id is sent once, and both workers did part of it', async () => {
    const db = store();
    const { pid, ids, deps } = await setup(db, 120);
    // Each call takes a while, so the two passes overlap for their whole length.
    sim.inject({ endpoint: 'adddevice', kind: 'delay', ms: 150, times: Infinity });
    const before = addCalls().length;
    const [a, b] = await Promise.all([registrationPass({ ...deps, worker: 'a' }, { batchSize: 10 }), registrationPass({ ...deps, worker: 'b' }, { batchSize: 10 })]);
    sim.clearFaults();
    expect(a.synced + b.synced).toBe(120);
    expect(a.calls).toBeGreaterThan(0);
    expect(b.calls).toBeGreaterThan(0);
    const sent = addCalls().slice(before).flat();
    expect(sent).toHaveLength(120);
    expect(new Set(sent).size).toBe(120);
    expect([...sim.state.products.get(pid)!.device_ids].sort()).toEqual(ids);
    expect(await states(db)).toEqual({ synced: 120 });
  });
});
