import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { tmpDir } from '../helpers/tmp.js';

// The quota pause is shown on the station's clock and Beijing's, never as bare UTC, and an
// engineer can lift it with `wxprov queue --resume`, which the audit log records. Real CLI
// processes (their time zone from TZ) against the simulator on loopback and a real SQLite file.

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
  await cli(['devices', 'add', '--product', String(pid), ...Array.from({ length: 10 }, (_, i) => `QP${i}`)], env);
});

// Zones without daylight saving, on both sides of UTC, so the expected text is fixed.
const KATHMANDU = { TZ: 'Asia/Kathmandu', offsetMin: 5 * 60 + 45, label: 'UTC+05:45' };
const SAO_PAULO = { TZ: 'America/Sao_Paulo', offsetMin: -3 * 60, label: 'UTC-03:00' };

/** The wall time `offsetMin` from UTC, computed here independently of the code under test. */
function wall(iso: string, offsetMin: number): string {
  return new Date(Date.parse(iso) + offsetMin * 60_000).toISOString().slice(0, 16).replace('T', ' ');
}

const addCalls = () => sim.state.calls.filter((c) => c.endpoint === 'adddevice').length;

function auditRows() {
  const db = new Database(path.join(home, 'wxprov.db'), { readonly: true });
  try {
    return db.prepare("SELECT actor, station, product_id, device_id, action, detail FROM audit WHERE action = 'sync_resume'").all() as {
      actor: string;
      product_id: number | null;
      device_id: string | null;
      detail: string;
    }[];
  } finally {
    db.close();
  }
}

describe('the quota pause', () => {
  it('is shown in station and Beijing time; queue --resume lifts it (audited) and the next sync goes on', async () => {
    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 45009, errmsg: 'reach max api daily quota limit' });
    const hit = await cliAsync(['sync', '--json'], { ...env, TZ: KATHMANDU.TZ });
    expect(hit.code).toBe(1);
    expect(hit.json).toMatchObject({ synced: 0, pending: 10, error: { code: 'WX_QUOTA_EXCEEDED', errcode: 45009 }, by_code: { WX_QUOTA_EXCEEDED: 10 } });
    const until: string = hit.json.paused_until;
    const beijing = wall(until, 8 * 60);
    expect(beijing).toMatch(/ 00:00$/); // the quota day ends at midnight in Beijing
    const kathmandu = `${wall(until, KATHMANDU.offsetMin)} ${KATHMANDU.label}`;
    expect(hit.stderr).toContain(`paused until ${kathmandu} (北京时间 ${beijing})`);
    expect(hit.stderr).not.toContain(until.slice(0, 16));

    // Paused: no call, exit 1, the reason and both times on one stderr line, in the other zone's wall time.
    const before = addCalls();
    const paused = await cliAsync(['sync'], { ...env, TZ: SAO_PAULO.TZ });
    expect(paused.code).toBe(1);
    expect(addCalls()).toBe(before);
    const saoPaulo = `${wall(until, SAO_PAULO.offsetMin)} ${SAO_PAULO.label}`;
    expect(paused.stdout).toBe(`synced 0, failed 0, pending 10, calls 0, paused until ${saoPaulo} (北京时间 ${beijing})\n`);
    const lines = paused.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error SYNC_PAUSED: /);
    expect(lines[0]).toContain(`Sync is paused until ${saoPaulo} station time (${beijing} Beijing time): WX_QUOTA_EXCEEDED`);
    expect(lines[0]).toContain(`本机时间 ${saoPaulo}（北京时间 ${beijing}）`);
    expect(lines[0]).toContain('wxprov queue --resume');

    const q = await cliAsync(['queue'], { ...env, TZ: KATHMANDU.TZ });
    expect(q.stdout).toContain(`paused until ${kathmandu} (北京时间 ${beijing})\n`);
    const qj = await cliAsync(['queue', '--json'], { ...env, TZ: KATHMANDU.TZ });
    expect(qj.json).toMatchObject({ pending: 10, paused_until: until, paused_until_local: kathmandu, paused_until_beijing: beijing, last_error: 'WX_QUOTA_EXCEEDED' });
    expect(auditRows()).toEqual([]);

    // The engineer lifts it; the audit log says who and which pause.
    const resumed = await cliAsync(['queue', '--resume', '--json'], { ...env, WXPROV_OPERATOR: 'eng-li' });
    expect(resumed.code).toBe(0);
    expect(resumed.json).toMatchObject({ resumed: true, was_paused_until: until, paused_until: null, pending: 10 });
    const audit = auditRows();
    expect(audit).toEqual([{ actor: 'eng-li', station: null, product_id: null, device_id: null, action: 'sync_resume', detail: expect.any(String) }]);
    expect(JSON.parse(audit[0].detail)).toEqual({ paused_until: until, last_error: 'WX_QUOTA_EXCEEDED' });

    const ok = await cliAsync(['sync', '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ synced: 10, pending: 0, calls: 1 });
    expect(sim.state.products.get(pid)!.device_ids.size).toBe(10);

    // Nothing to lift: said so, exit 0, no audit row.
    const none = await cliAsync(['queue', '--resume'], env);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('sync was not paused\n');
    expect(auditRows()).toHaveLength(1);
  }, 90_000);

  it('comes back if the quota is still used up after a resume', async () => {
    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 45009, times: 2 });
    expect((await cliAsync(['sync', '--json'], env)).json.paused_until).toEqual(expect.any(String));
    expect((await cliAsync(['queue', '--resume', '--json'], env)).json.resumed).toBe(true);
    const again = await cliAsync(['sync', '--json'], env);
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({ calls: 1, pending: 10, error: { code: 'WX_QUOTA_EXCEEDED' }, paused_until: expect.any(String) });
  });
});
