import os from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimDevice, type SimDeviceOptions } from '../../main/core/sim/device/index.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { localDate, systemTimeZone } from '../../main/core/util/local-day.js';
import { cli, cliProcess } from '../helpers/cli.js';
import { setupLine } from '../helpers/line.js';
import { portPlug, type PluggedPort } from '../helpers/transports.js';

// `wxprov stats` over what `wxprov flash` really did: simulated units on TCP jig ports, flashed
// through the CLI (PASS, a FAIL at COMMIT with an id, a FAIL at HELLO with none, a foreign
// identity whose id is not ours, a retry that passes, an EXISTING), then the statistics checked
// against the flash answers and against `wxprov records` for the rows with an id.

let sim: WechatSim;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());

const open: { port: PluggedPort; dev: SimDevice }[] = [];
afterEach(async () => {
  while (open.length) {
    const o = open.pop()!;
    o.dev.stop?.();
    await o.port.close();
  }
});

let n = 0;
async function unit(opts: SimDeviceOptions): Promise<string> {
  const plug = await portPlug('tcp', os.tmpdir(), `wxprov-stats-${process.pid}-${n++}`);
  const port = await plug.plug();
  const dev = await SimDevice.boot(port.link, { commitMs: 20, ...opts });
  open.push({ port, dev });
  return plug.spec;
}

interface Flashed {
  result: 'PASS' | 'FAIL' | 'EXISTING';
  device_id: string | null;
  hwid: string | null;
  step: string;
  code: string | null;
  port: string;
}

describe('wxprov stats', () => {
  it('counts what flash reported, matches records for the rows with an id, and reads the same in a new process', { timeout: 120_000 }, async () => {
    const { env, pid } = await setupLine(sim);
    const flashed: Flashed[] = [];
    const flash = async (port: string) => {
      const r = await cli(['flash', '--port', port, '--product', String(pid), '--json'], env);
      expect(r.json?.result, r.stderr).toMatch(/^(PASS|FAIL|EXISTING)$/);
      flashed.push(r.json);
      return r.json as Flashed;
    };
    const records = async () => {
      const r = await cli(['records', '--format', 'json'], env);
      expect(r.code, r.stderr).toBe(0);
      return r.json as { device_id: string; status: string; hwid: string }[];
    };
    const stats = async (...extra: string[]) => {
      const r = await cli(['stats', '--json', ...extra], env);
      expect(r.code, r.stderr).toBe(0);
      return r.json;
    };

    // ── a first round: two good units, three that fail in different ways ─────
    const ok1 = await unit({ hwid: 'HWOK1' });
    expect(await flash(ok1)).toMatchObject({ result: 'PASS', device_id: 'LPL100001' });
    expect(await flash(await unit({ hwid: 'HWOK2' }))).toMatchObject({ result: 'PASS', device_id: 'LPL100002' });
    expect(await flash(await unit({ hwid: 'HWBAD', fault: 'flash' }))).toMatchObject({ result: 'FAIL', step: 'commit', device_id: 'LPL100003' });
    expect(await flash(await unit({ hwid: 'HWP2', fault: 'proto2' }))).toMatchObject({ result: 'FAIL', step: 'hello', device_id: null });
    // Another product's identity: an id, but not one of ours (no ledger row).
    expect(await flash(await unit({ hwid: 'HWFOR', fault: 'locked' }))).toMatchObject({ result: 'FAIL', step: 'read', code: 'UNIT_FOREIGN_IDENTITY' });

    let rows = await records();
    const ids = new Set(rows.map((r) => r.device_id));
    let s = await stats();
    const withId = (result: string) => flashed.filter((f) => f.result === result && f.device_id !== null && ids.has(f.device_id)).length;
    // The ledger's side: every PASS with an id is a verified row, every FAIL with one of our ids a failed row.
    expect(s.totals.pass).toBe(rows.filter((r) => r.status === 'verified').length);
    expect(withId('PASS')).toBe(s.totals.pass);
    expect(withId('FAIL')).toBe(rows.filter((r) => r.status === 'failed').length);
    expect(withId('FAIL')).toBe(1);
    // And the results the ledger cannot show: the two FAILs without one of our ids count as units and failures.
    expect(s.totals).toEqual({ units: 5, pass: 2, fail: 3, existing: 0, first_pass: 2, fpy: 0.4 });

    // ── the failed unit, repaired, passes with its id; a good one placed again is EXISTING ──
    expect(await flash(await unit({ hwid: 'HWBAD' }))).toMatchObject({ result: 'PASS', device_id: 'LPL100003' });
    expect(await flash(ok1)).toMatchObject({ result: 'EXISTING', device_id: 'LPL100001' });

    rows = await records();
    s = await stats();
    expect(rows.map((r) => `${r.device_id} ${r.status} ${r.hwid}`)).toEqual(['LPL100001 verified HWOK1', 'LPL100002 verified HWOK2', 'LPL100003 verified HWBAD']);
    expect(s.totals.pass).toBe(rows.filter((r) => r.status === 'verified').length);
    expect(s.totals.pass).toBe(flashed.filter((f) => f.result === 'PASS').length);
    expect(s.totals.fail).toBe(flashed.filter((f) => f.result === 'FAIL').length);
    expect(s.totals.existing).toBe(flashed.filter((f) => f.result === 'EXISTING').length);
    // HWBAD failed at its first placement: still 5 units, 2 first passes.
    expect(s.totals).toEqual({ units: 5, pass: 3, fail: 3, existing: 1, first_pass: 2, fpy: 0.4 });
    expect(s).toMatchObject({ product_id: null, since: null, until: null, by: 'hour', time_zone: systemTimeZone() });
    expect(s.stations).toEqual([{ station: 'L1', ...s.totals }]);
    // Each flash here used a port of its own; the repaired HWBAD's unit is counted at its first port.
    expect(s.slots.reduce((a: number, c: { units: number }) => a + c.units, 0)).toBe(5);
    expect(s.slots.find((c: { slot: string }) => c.slot === ok1)).toMatchObject({ units: 1, pass: 1, existing: 1, first_pass: 1 });
    expect(s.periods.reduce((a: number, p: { units: number }) => a + p.units, 0)).toBe(5);
    const fails = flashed.filter((f) => f.result === 'FAIL');
    expect(s.pareto.map((r: { step: string; code: string; count: number }) => `${r.step} ${r.code} ${r.count}`).sort()).toEqual(fails.map((f) => `${f.step} ${f.code} 1`).sort());
    expect(s.pareto.at(-1).cumulative).toBe(1);

    // The product and a range of whole days around now (bare dates: local days) give the same.
    expect((await stats('--product', String(pid))).totals).toEqual(s.totals);
    const day = (d: number) => localDate(Date.now() + d * 86_400_000, systemTimeZone());
    const ranged = await stats('--since', day(-1), '--until', day(1), '--by', 'day');
    expect(ranged).toMatchObject({ by: 'day', totals: s.totals });
    expect(ranged.periods).toHaveLength(1);
    expect((await stats('--since', day(1))).totals).toEqual({ units: 0, pass: 0, fail: 0, existing: 0, first_pass: 0, fpy: null });

    // People's output: the totals line and the tables.
    const text = await cli(['stats'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^units 5 {2}PASS 3 {2}FAIL 3 {2}EXISTING 1 {2}first_pass 2 {2}FPY 40\.0%/);
    expect(text.stdout).toMatch(/^Failures$/m);
    expect(text.stdout).toMatch(/UNIT_FOREIGN_IDENTITY\s+1\s+33\.3%/);

    // A restart: a new process reads the same from the data dir.
    const tz = process.env.TZ ? { TZ: process.env.TZ } : {};
    const again = cliProcess(['stats', '--json'], { ...env, ...tz });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toEqual(s);
  });

  it('refuses a bad --since, --until or --by with exit 2, naming the flag', async () => {
    const { env } = await setupLine(sim);
    const since = await cli(['stats', '--since', 'yesterday'], env);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/^error INPUT_INVALID: --since is invalid: yesterday/);
    const json = await cli(['stats', '--since', '2026-02-30', '--json'], env);
    expect(json.code).toBe(2);
    expect(json.json.error).toMatchObject({ code: 'INPUT_INVALID', params: { field: '--since', detail: '2026-02-30' } });
    expect(json.json.error.message_zh).toMatch(/--since 无效/);
    const order = await cli(['stats', '--since', '2026-11-28', '--until', '2026-11-27'], env);
    expect(order.code).toBe(2);
    expect(order.stderr).toMatch(/--until is invalid/);
    const by = await cli(['stats', '--by', 'week'], env);
    expect(by.code).toBe(2);
    expect(by.stderr).toMatch(/--by is invalid: week/);
  });
});
