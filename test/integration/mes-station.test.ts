import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimDevice } from '../../main/core/sim/device/sim-device.js';
import { serveUnitOnTcp, type TcpUnitPort } from '../../main/core/sim/device/tcp-unit-port.js';
import { startSimMes, type SimMes } from '../../main/core/sim/mes/mes-sim.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from '../helpers/cli.js';
import { startCli, withLedger } from '../helpers/crash.js';
import { setupLine } from '../helpers/line.js';
import { until } from '../helpers/station.js';

// The MES in the loop, every piece real: `wxprov flash` and `wxprov station` against units on
// TCP, the WeChat simulator and a simulated MES, both real HTTP servers on loopback.

let sim: WechatSim;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function unit(hwid: string): Promise<{ port: TcpUnitPort; dev: SimDevice }> {
  const port = await serveUnitOnTcp({ host: '127.0.0.1' });
  open.push(port);
  const dev = await SimDevice.boot(port.unit, { hwid, commitMs: 10 });
  return { port, dev };
}

async function mes(o: Parameters<typeof startSimMes>[0] = {}): Promise<SimMes> {
  const m = await startSimMes(o);
  open.push(m);
  return m;
}

const flash = (env: NodeJS.ProcessEnv, pid: number, spec: string, ...more: string[]) => cli(['flash', '--port', spec, '--product', String(pid), '--json', ...more], env);
const set = async (env: NodeJS.ProcessEnv, key: string, value: string) => expect((await cli(['config', 'set', key, value], env)).code).toBe(0);

describe('the MES route check', () => {
  it('a refused SN fails at mes_check with the MES reason, the unit untouched and no id used; the next unit gets the first id', { timeout: 60_000 }, async () => {
    const { env, pid } = await setupLine(sim);
    const m = await mes({ rejectSn: { 'SN-BAD': '上一工序未过站' } });
    await set(env, 'mes_check_url', m.checkUrl);
    const a = await unit('HWMES1');
    const refused = await flash(env, pid, a.port.spec, '--sn', 'SN-BAD');
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ result: 'FAIL', step: 'mes_check', code: 'MES_REJECTED', device_id: null, hwid: 'HWMES1' });
    expect(refused.json.reason).toContain('上一工序未过站');
    expect(refused.json.reason_zh).toContain('上一工序未过站');
    expect(a.dev.identity()).toBeUndefined();
    expect(m.checks.map((c) => c.body)).toEqual([{ station: 'L1', slot: a.port.spec, product_id: pid, hwid: 'HWMES1', sn: 'SN-BAD', operator: 'op7' }]);
    expect((await cli(['records', '--format', 'json'], env)).stdout.trim()).toBe('[]');

    const ok = await flash(env, pid, a.port.spec, '--sn', 'SN-GOOD');
    expect(ok.json, ok.stderr).toMatchObject({ result: 'PASS', device_id: 'LPL100001' });
    expect(ok.json.mes_offline).toBeUndefined();
    expect(a.dev.identity()?.device_id).toBe('LPL100001');
  });

  it('the MES down: block fails MES_UNREACHABLE with the unit untouched; allow goes on and says so', { timeout: 60_000 }, async () => {
    const { env, pid } = await setupLine(sim);
    const m = await mes({ mode: 'reset' });
    await set(env, 'mes_check_url', m.checkUrl);
    const a = await unit('HWMES2');
    const blocked = await flash(env, pid, a.port.spec);
    expect(blocked.json).toMatchObject({ result: 'FAIL', step: 'mes_check', code: 'MES_UNREACHABLE', device_id: null });
    expect(a.dev.identity()).toBeUndefined();
    await set(env, 'mes_offline', 'allow');
    const allowed = await flash(env, pid, a.port.spec);
    expect(allowed.json, allowed.stderr).toMatchObject({ result: 'PASS', device_id: 'LPL100001', mes_offline: true });
    const table = await cli(['flash', '--port', (await unit('HWMES3')).port.spec, '--product', String(pid)], env);
    expect(table.stdout).toMatch(/PASS .*\(MES unreachable: let through\)/);
    // A bad setting is refused with the field and what is allowed, and changes nothing.
    const bad = await cli(['config', 'set', 'mes_offline', 'maybe'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/mes_offline/);
    expect(bad.stderr).toMatch(/block .*allow/);
    expect((await cli(['config', 'get', 'mes_offline'], env)).stdout.trim()).toBe('allow');
    expect((await cli(['config', 'set', 'mes_check_url', 'ftp://mes/check'], env)).code).toBe(2);
  });

  it('the token: the environment wins; a stored one is sealed, sent as a bearer, and never on disk or in the log in clear', { timeout: 60_000 }, async () => {
    const { env, pid } = await setupLine(sim);
    const secret = 'mes-token-7f3a9c2e51';
    const m = await mes({ token: secret });
    await set(env, 'mes_check_url', m.checkUrl);
    await set(env, 'mes_report_url', m.reportUrl);
    const a = await unit('HWTOK1');
    // No token yet: the MES refuses the check (401), a refusal with its reason.
    expect((await flash(env, pid, a.port.spec)).json).toMatchObject({ code: 'MES_REJECTED', reason: expect.stringContaining('bad or missing token') });
    // A token becomes a header: two lines are refused, nothing stored.
    const twoLines = await cli(['config', 'set', 'mes_token', 'a\nb'], env);
    expect([twoLines.code, twoLines.stderr]).toEqual([2, expect.stringContaining('SETTING_INVALID')]);
    expect((await cli(['config', '--json'], env)).json.mes_token).toBe('none');
    await set(env, 'mes_token', secret);
    expect((await cli(['config', '--json'], env)).json.mes_token).toBe('stored');
    expect((await flash(env, pid, a.port.spec)).json).toMatchObject({ result: 'PASS' });
    expect(m.checks.at(-1)!.authorization).toBe(`Bearer ${secret}`);
    // Without the passphrase the stored token cannot be opened: the reports wait, and say why.
    await flash(env, pid, (await unit('HWTOK2')).port.spec);
    m.setMode('error');
    await flash(env, pid, (await unit('HWTOK4')).port.spec);
    m.setMode('up');
    const locked = await cli(['mes', 'sync', '--json'], { ...env, WXPROV_KEY_PASSPHRASE: '' });
    expect(locked.code).toBe(1);
    expect(locked.json).toMatchObject({ pending: 1, last_error: 'MES_TOKEN_UNAVAILABLE' });
    expect((await cli(['mes', 'sync', '--json'], env)).json).toMatchObject({ pending: 0, last_error: null });
    expect(m.deliveries.every((d) => d.event_id && m.events().some((e) => e.event_id === d.event_id))).toBe(true);
    // The environment's wins.
    const envToken = { ...env, WXPROV_MES_TOKEN: 'from-env' };
    expect((await cli(['config', '--json'], envToken)).json.mes_token).toBe('environment');
    // (the MES here knows only the stored one, so the environment's is what it refuses)
    expect((await flash(envToken, pid, (await unit('HWTOK3')).port.spec)).json).toMatchObject({ code: 'MES_REJECTED', reason: expect.stringContaining('bad or missing token') });
    const home = env.WXPROV_HOME!;
    for (const f of readdirSync(home, { recursive: true }) as string[]) {
      const p = path.join(home, f);
      try {
        expect(readFileSync(p).includes(secret), p).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
      }
    }
  });
});

describe('MES reports', () => {
  it('every result becomes an event (PASS, FAIL, EXISTING, VOID) delivered by flash before it exits; mes status and sync', { timeout: 90_000 }, async () => {
    const { env, pid } = await setupLine(sim);
    const m = await mes({ rejectSn: { SNX: 'not routed here' } });
    await set(env, 'mes_check_url', m.checkUrl);
    await set(env, 'mes_report_url', m.reportUrl);
    const a = await unit('HWREP1');
    await flash(env, pid, a.port.spec, '--sn', 'SNX');
    await flash(env, pid, a.port.spec, '--sn', 'SN0001');
    await flash(env, pid, a.port.spec);
    expect((await cli(['devices', 'void', '--device-id', 'LPL100001', '--reason', 'dropped on the floor'], env)).code).toBe(0);
    expect((await cli(['mes', 'sync', '--json'], env)).json).toMatchObject({ pending: 0, last_error: null });
    const events = m.events();
    expect(events.map((e) => [e.result, e.step, e.code, e.device_id])).toEqual([
      ['FAIL', 'mes_check', 'MES_REJECTED', null],
      ['PASS', 'record', null, 'LPL100001'],
      ['EXISTING', 'read', null, 'LPL100001'],
      ['VOID', null, null, 'LPL100001'],
    ]);
    expect(events[1]).toMatchObject({ station: 'L1', slot: a.port.spec, product_id: pid, hwid: 'HWREP1', sn: 'SN0001', key_version: 1, push_test: null });
    expect(events[0]).toMatchObject({ sn: 'SNX', hwid: 'HWREP1' });
    expect(m.deliveries.every((d) => d.idempotency_key === d.event_id)).toBe(true);
    const status = await cli(['mes', 'status', '--json'], env);
    expect(status.json).toMatchObject({ pending: 0, last_error: null, last_sent_at: expect.any(String) });

    // The MES down: flash gives it at most 3 s, exits with the result, and the event waits.
    await set(env, 'mes_check_url', '');
    expect((await cli(['config', 'get', 'mes_check_url'], env)).stdout).toBe('');
    m.setMode('hang');
    const b = await unit('HWREP2');
    const t0 = Date.now();
    const r = await flash(env, pid, b.port.spec);
    expect(r.json).toMatchObject({ result: 'PASS' });
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect((await cli(['mes', 'status', '--json'], env)).json).toMatchObject({ pending: 1, last_error: expect.stringContaining('no answer') });
    m.setMode('error');
    const down = await cli(['mes', 'sync', '--json'], env);
    expect(down.code).toBe(1);
    expect(down.json).toMatchObject({ pending: 1, last_error: expect.stringContaining('503') });
    m.setMode('up');
    expect((await cli(['mes', 'sync', '--json'], env)).json).toMatchObject({ pending: 0, last_error: null });
    expect(m.events().at(-1)).toMatchObject({ result: 'PASS', hwid: 'HWREP2', device_id: 'LPL100002' });
  });

  it('the station SIGKILLed between a result and its report: the event is delivered after, under the same id', { timeout: 90_000 }, async () => {
    const { env, pid } = await setupLine(sim);
    // The MES takes the report and the answer is lost: the station cannot know it arrived.
    const m = await mes({ mode: 'lose' });
    await set(env, 'mes_report_url', m.reportUrl);
    const a = await unit('HWKILL1');
    const station = startCli(['station', '--port', a.port.spec, '--product', String(pid), '--json'], env);
    await until(() => m.deliveries.length > 0, 30_000, 'the first report');
    expect(station.stdout()).toMatch(/"result":"PASS"/);
    expect((await station.kill()).killed).toBe(true);
    const pending = withLedger(env.WXPROV_HOME!, (db) => db.prepare("SELECT event_id FROM mes_events WHERE state = 'pending'").pluck().all());
    expect(pending).toEqual([m.deliveries[0].event_id]);
    m.setMode('up');
    expect((await cli(['mes', 'sync', '--json'], env)).json).toMatchObject({ pending: 0 });
    const ids = new Set(m.deliveries.map((d) => d.event_id));
    expect(ids.size).toBe(1);
    expect(m.deliveries.length).toBeGreaterThanOrEqual(2);
    expect(m.events()).toHaveLength(1);
    expect(m.events()[0]).toMatchObject({ result: 'PASS', hwid: 'HWKILL1', device_id: 'LPL100001' });
  });
});
