import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

// The registry's CLI contract (issue 3): devices add, sync, queue, records — names, JSON keys, exit codes.

let sim: WechatSim;
let env: NodeJS.ProcessEnv;
let home: string;
let pid: number;

beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());
beforeEach(async () => {
  home = tmpDir();
  env = { WXPROV_HOME: home, WXPROV_API_BASE: sim.url, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_OPERATOR: 'op1' };
  const p = await cli(['product', 'create', '--en', 'E', '--zh', '中', '--default-name', 'D', '--model', 'MOD-1', '--json'], env);
  pid = p.json.product_id;
});

describe('wxprov devices add', () => {
  it('queues valid ids from a CSV, refusing duplicates and invalid ids with line and reason, offline', async () => {
    const file = path.join(home, 'ids.csv');
    fs.writeFileSync(file, '\uFEFFsn,device_id\r\nS1,A001\r\nS2,A002\r\nS3,A001\r\nS4,bad/id\r\nS5,A003\r\n');
    // No network at all: the API base points nowhere and there are no credentials.
    const offline = { WXPROV_HOME: home, WXPROV_API_BASE: 'http://127.0.0.1:9', WXPROV_OPERATOR: 'op1' };
    const r = await cli(['devices', 'add', '--product', String(pid), '--file', file, '--json'], offline);
    expect(r.code).toBe(1);
    expect(r.json).toEqual({
      queued: 3,
      duplicates: [{ line: 4, device_id: 'A001', reason: 'same as line 2' }],
      invalid: [{ line: 5, device_id: 'bad/id', reason: expect.stringContaining('"/"') }],
    });
    const again = await cli(['devices', 'add', '--product', String(pid), 'A003', 'A004', '--json'], offline);
    expect(again.json).toEqual({ queued: 1, duplicates: [{ line: 1, device_id: 'A003', reason: 'already in the records' }], invalid: [] });
    const q = await cli(['queue', '--json'], offline);
    expect(q.json).toMatchObject({ pending: 4, failed: 0, synced: 0 });
    expect(typeof q.json.oldest).toBe('string');
  });

  it('--now syncs right after, in batches', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `N${i}`);
    const r = await cli(['devices', 'add', '--product', String(pid), ...ids, '--now', '--json'], env);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ queued: 150, duplicates: [], invalid: [], sync: { synced: 150, failed: 0, pending: 0, calls: 2 } });
    expect(sim.state.products.get(pid)!.device_ids.size).toBe(150);
  });

  it('needs a product with a model name', async () => {
    await cli(['product', 'add', '--product', '4242', '--model', 'X'], env);
    const unknown = await cli(['devices', 'add', '--product', '999999', 'A'], env);
    expect(unknown.stderr).toMatch(/^error PRODUCT_NOT_FOUND/);
  });
});

describe('wxprov sync and queue', () => {
  it('sync prints synced/failed/pending/calls; a stop exits 1 with the reason on stderr', async () => {
    await cli(['devices', 'add', '--product', String(pid), 'Q1', 'Q2', 'Q3'], env);
    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 50093 });
    const stopped = await cli(['sync', '--json'], env);
    expect(stopped.code).toBe(1);
    expect(stopped.json).toMatchObject({ synced: 0, failed: 0, pending: 3, calls: 1, error: { code: 'WX_HOSTAPP_NOT_REGISTERED' } });
    expect(stopped.stderr).toMatch(/^error WX_HOSTAPP_NOT_REGISTERED \(errcode 50093\)/m);
    const q = await cli(['queue', '--json'], env);
    expect(q.json).toMatchObject({ pending: 3, last_error: 'WX_HOSTAPP_NOT_REGISTERED' });
    const ok = await cli(['sync', '--json'], env);
    expect(ok.code).toBe(0);
    expect(ok.json).toEqual({ synced: 3, failed: 0, pending: 0, calls: 1, by_code: { synced: 3 } });
  });

  it('shows progress on stderr for a large queue', async () => {
    const file = path.join(home, 'big.txt');
    fs.writeFileSync(file, Array.from({ length: 1500 }, (_, i) => `BIG${i}`).join('\n'));
    await cli(['devices', 'add', '--product', String(pid), '--file', file], env);
    const r = await cli(['sync'], env);
    expect(r.stdout).toBe('synced 1500, failed 0, pending 0, calls 15\n');
    expect(r.stderr).toMatch(/sync 100% 1500\/1500/);
  });
});

describe('wxprov records', () => {
  it('CSV for Excel/WPS: BOM, quoted, the ledger columns; JSON: an array of objects', async () => {
    await cli(['devices', 'add', '--product', String(pid), 'R1', 'R2', '--now'], env);
    const csv = await cli(['records', '--product', String(pid)], env);
    expect(csv.stdout.startsWith('\uFEFF"device_id","product_id","key_version","signature","hwid","status","station","port","created_at","synced_at"')).toBe(true);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^"R1","\d+",/);
    const json = await cli(['records', '--format', 'json'], env);
    expect(json.json).toHaveLength(2);
    for (const k of ['device_id', 'product_id', 'key_version', 'signature', 'hwid', 'status', 'station', 'port', 'created_at', 'synced_at']) {
      expect(json.json[0]).toHaveProperty(k);
    }
    expect(json.json[0].synced_at).toEqual(expect.any(String));
    const none = await cli(['records', '--since', '2999-01-01', '--format', 'json'], env);
    expect(none.json).toEqual([]);
    const bad = await cli(['records', '--since', 'yesterday'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error INPUT_INVALID: --since is invalid/);
  });
});
