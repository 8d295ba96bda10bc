import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { tmpDir } from '../helpers/tmp.js';

// Sync never calls a failure success: `wxprov sync` as a real process against the simulator on
// loopback, its SQLite file read back afterwards. A 200 without errcode is NET_BAD_RESPONSE and
// retried; only "a bad id in this list" splits a batch; anything else stops with the errcode
// and errmsg and keeps everything queued; any id left failed or pending by an error exits 1.

let sim: WechatSim;
let env: NodeJS.ProcessEnv;
let home: string;
let pid: number;

beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.clearFaults();
  home = tmpDir();
  env = { WXPROV_HOME: home, WXPROV_API_BASE: sim.url, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_OPERATOR: 'op1' };
  const p = await cli(['product', 'create', '--en', 'E', '--zh', '中', '--default-name', 'D', '--model', 'MOD-1', '--json'], env);
  pid = p.json.product_id;
});

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
const addCalls = () => sim.state.calls.filter((c) => c.endpoint === 'adddevice').length;
const registered = () => sim.state.products.get(pid)!.device_ids;

async function queue(list: string[]): Promise<void> {
  const r = await cli(['devices', 'add', '--product', String(pid), ...list, '--json'], env);
  expect(r.json.queued).toBe(list.length);
}

/** What the ledger file says, read directly. */
function ledger() {
  const db = new Database(path.join(home, 'wxprov.db'), { readonly: true });
  try {
    const outbox = db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state ORDER BY state').all();
    const syncedDevices = (db.prepare('SELECT COUNT(*) AS n FROM devices WHERE synced_at IS NOT NULL').get() as { n: number }).n;
    return { outbox, syncedDevices };
  } finally {
    db.close();
  }
}

describe('wxprov sync: an answer without a numeric errcode is never success', () => {
  it('200 {"errmsg":"ok"} on every try: NET_BAD_RESPONSE after the bounded retries, exit 1, all 100 ids still pending', async () => {
    await queue(ids('NE', 100));
    sim.inject({ endpoint: 'adddevice', kind: 'json', body: { errmsg: 'ok' }, times: Infinity });
    const before = addCalls();
    const r = await cliAsync(['sync', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ synced: 0, failed: 0, pending: 100, calls: 1, error: { code: 'NET_BAD_RESPONSE' }, by_code: { NET_BAD_RESPONSE: 100 } });
    expect(r.json.by_code).not.toHaveProperty('synced');
    expect(addCalls() - before).toBe(5); // the client's default maxAttempts
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error NET_BAD_RESPONSE: .*no errcode in the answer/);
    expect(registered().size).toBe(0);
    expect(ledger()).toEqual({ outbox: [{ state: 'pending', n: 100 }], syncedDevices: 0 });
  });

  it('errcode null, then "abc", then a real answer: retried, and the ids the platform really took are the ones marked synced', async () => {
    await queue(ids('NU', 40));
    sim.inject({ endpoint: 'adddevice', kind: 'json', body: { errcode: null, errmsg: 'ok' } });
    sim.inject({ endpoint: 'adddevice', kind: 'json', body: { errcode: 'abc', errmsg: 'ok' } });
    const r = await cliAsync(['sync', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ synced: 40, failed: 0, pending: 0, by_code: { synced: 40 } });
    expect(r.stderr).toBe('');
    expect(sim.state.calls.filter((c) => c.endpoint === 'adddevice').slice(-3).map((c) => c.fault ?? 'answered')).toEqual(['json', 'json', 'answered']);
    expect(registered().size).toBe(40);
    expect(ledger()).toEqual({ outbox: [{ state: 'synced', n: 40 }], syncedDevices: 40 });
  });
});

describe('wxprov sync: only "a bad id in this list" splits a batch', () => {
  it('an unknown errcode on 250 ids: one call, nothing marked failed, exit 1 with the errcode and errmsg on one stderr line', async () => {
    await queue(ids('UE', 250));
    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 61234, errmsg: 'device quota of model reached', times: Infinity });
    const before = addCalls();
    const r = await cliAsync(['sync', '--json'], env);
    expect(r.code).toBe(1);
    expect(addCalls() - before).toBe(1);
    expect(r.json).toMatchObject({ synced: 0, failed: 0, pending: 250, calls: 1, error: { code: 'WX_PLATFORM_ERROR', errcode: 61234 }, by_code: { WX_PLATFORM_ERROR: 250 } });
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error WX_PLATFORM_ERROR \(errcode 61234\): .*device quota of model reached/);
    expect(ledger()).toEqual({ outbox: [{ state: 'pending', n: 250 }], syncedDevices: 0 });

    sim.clearFaults();
    const again = await cliAsync(['sync', '--json'], env);
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ synced: 250, failed: 0, pending: 0, calls: 3 });
  });

  it('an auth refusal after a split stops there, keeping the rest queued and nothing failed on a guess', async () => {
    await queue(ids('AU', 8));
    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 40097, errmsg: 'invalid args' });
    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 48001, errmsg: 'api unauthorized', times: Infinity });
    const r = await cliAsync(['sync', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ synced: 0, failed: 0, pending: 8, calls: 2, error: { code: 'WX_API_UNAUTHORIZED', errcode: 48001 } });
    expect(r.stderr).toMatch(/^error WX_API_UNAUTHORIZED \(errcode 48001\): .*api unauthorized/m);
    expect(ledger().outbox).toEqual([{ state: 'pending', n: 8 }]);
  });

  it('two refused ids among 100: 98 synced, the two marked failed, exit 1, by_code counts both outcomes, stderr names errcode and errmsg', async () => {
    const list = ids('BI', 100);
    await queue(list);
    sim.rejectDeviceIds(['BI0013', 'BI0077']);
    const r = await cliAsync(['sync', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ synced: 98, failed: 2, pending: 0, by_code: { synced: 98, WX_INVALID_ARGS: 2 }, refused: { code: 'SYNC_IDS_REFUSED', errcode: 40097 } });
    expect(r.json.error).toBeUndefined();
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error SYNC_IDS_REFUSED \(errcode 40097\): The platform refused 2 device ids.*WX_INVALID_ARGS \(40097\).*BI0013/);
    expect(ledger().outbox).toEqual([
      { state: 'failed', n: 2 },
      { state: 'synced', n: 98 },
    ]);

    // Text mode says the same with the same exit code.
    sim.state.rejectDeviceIds.clear();
    await cli(['queue', '--retry-failed'], env);
    sim.rejectDeviceIds(['BI0013']);
    const text = await cliAsync(['sync'], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('synced 1, failed 1, pending 0, calls 3\n');
    expect(text.stderr).toMatch(/^error SYNC_IDS_REFUSED \(errcode 40097\)/);
  });

  it('exits 0 when everything pending went through, and when nothing was pending', async () => {
    await queue(ids('OK', 3));
    const r = await cliAsync(['sync', '--json'], env);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const none = await cliAsync(['sync', '--json'], env);
    expect([none.code, none.stderr]).toEqual([0, '']);
    expect(none.json).toEqual({ synced: 0, failed: 0, pending: 0, calls: 0, by_code: {} });
  });
});
