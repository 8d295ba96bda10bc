import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName, Events, InvokeName, Result } from '../../preload/contract.js';
import { createAppService, type AppService, type AppServiceOptions } from '../../main/core/app/app-service.js';
import { dispatch } from '../../main/core/app/dispatch.js';
import { jsonFileKv } from '../../main/core/app/kv.js';
import { parseCsvLine } from '../../main/core/ids/csv.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { setupLine } from '../helpers/line.js';
import { fixtures, until } from '../helpers/station.js';
import { tmpDir } from '../helpers/tmp.js';

// The line screen's promises, through createAppService + dispatch (the path of every IPC
// message and bridge request), on real SQLite files, real pseudo-terminals and an injected
// clock: the push-test switch applies to the next unit, the day's counters survive a restart
// and follow the station's local day, an export holds exactly the rows a search shows, and
// engineer mode locks itself after idle time.

const TUNING: AppServiceOptions['tuning'] = { station: { pollMs: 50, reopenMs: 100, timing: { allowanceMs: 300 } }, lockCheckMs: 20 };

const open: AppService[] = [];
const sims: WechatSim[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
  for (const c of closers.splice(0)) await c();
  for (const s of sims.splice(0)) await s.close();
});

async function startApp(o: Partial<AppServiceOptions> & { home: string }) {
  const app = await createAppService({
    env: {},
    kv: jsonFileKv(path.join(o.home, 'app-settings.json')),
    shell: 'browser',
    tuning: TUNING,
    ...o,
  });
  open.push(app);
  const events: { name: EventName; payload: unknown }[] = [];
  app.onEvent((name, payload) => events.push({ name, payload }));
  const call = (name: InvokeName, input?: unknown): Promise<Result<any>> => dispatch(app.handlers, name, input);
  const ok = async (name: InvokeName, input?: unknown): Promise<any> => {
    const r = await call(name, input);
    if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  const err = async (name: InvokeName, input?: unknown) => {
    const r = await call(name, input);
    if (r.ok) throw new Error(`${name} answered ${JSON.stringify(r.value)}`);
    return r.error;
  };
  const units = () => events.filter((e) => e.name === 'unit').map((e) => e.payload as Events['unit']);
  const close = async () => {
    await app.close();
    open.splice(open.indexOf(app), 1);
  };
  return { app, events, ok, err, units, close };
}

/** A simulation-mode station with a product, a registered key, a bound mini program and a template. */
async function simulationStation() {
  const a = await startApp({ home: tmpDir('wxprov-app-') });
  await a.ok('app.chooseMode', { mode: 'simulation' });
  const p = await a.ok('products.create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-1' });
  await a.ok('keys.create', { product_id: p.product_id });
  await a.ok('apps.bind', { product_id: p.product_id, appid: 'wx0123456789abcdef' });
  await a.ok('station.setCode', { station_code: 'S7' });
  await a.ok('products.setTemplate', { product_id: p.product_id, id_template: 'LP{station}{seq:4}' });
  await a.ok('products.select', { product_id: p.product_id });
  return { a, pid: p.product_id as number };
}

describe('line screen: the push-test switch', () => {
  it('applies to the next unit while the line runs, on and off again', async () => {
    const { a } = await simulationStation();
    expect((await a.ok('app.state')).push_test).toBe(false);
    await a.ok('line.start');
    await until(() => a.units().length >= 2, 20_000, 'two units');
    for (const u of a.units()) expect(u).toMatchObject({ result: 'PASS', push_test: null });

    expect((await a.ok('app.setPrefs', { push_test: true })).push_test).toBe(true);
    await a.ok('sim.placeUnit', { slot: '1' });
    await until(() => a.units().length >= 3, 20_000, 'a third unit');
    expect(a.units()[2]).toMatchObject({ result: 'PASS', slot: '1' });
    expect(a.units()[2].push_test?.result).toBe('PASS');

    await a.ok('app.setPrefs', { push_test: false });
    await a.ok('sim.placeUnit', { slot: '2' });
    await until(() => a.units().length >= 4, 20_000, 'a fourth unit');
    expect(a.units()[3]).toMatchObject({ result: 'PASS', slot: '2', push_test: null });
    await a.ok('line.stop');
  }, 60_000);
});

describe('line screen: records export', () => {
  it('exports exactly the rows records.search shows for the same filter, across all pages', async () => {
    const { a, pid } = await simulationStation();
    await a.ok('line.start');
    await until(() => a.units().length >= 2, 20_000, 'two units');
    // Two units that fail with their id on the ledger (COMMIT refused: status failed).
    await a.ok('sim.placeUnit', { slot: '1', fault: 'flash' });
    await a.ok('sim.placeUnit', { slot: '2', fault: 'flash' });
    await until(() => a.units().length >= 4, 20_000, 'two failed units');
    await a.ok('sim.placeUnit', { slot: '1' });
    await until(() => a.units().length >= 5, 20_000, 'a fifth unit');
    await a.ok('line.stop');
    expect(a.units().map((u) => u.result).sort()).toEqual(['FAIL', 'FAIL', 'PASS', 'PASS', 'PASS']);

    const searched = async (q: Record<string, unknown>): Promise<string[]> => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await a.ok('records.search', { ...q, limit: 1, ...(cursor ? { cursor } : {}) });
        ids.push(...page.rows.map((r: { device_id: string }) => r.device_id));
        cursor = page.next ?? undefined;
      } while (cursor);
      return ids;
    };
    const exported = async (q: Record<string, unknown>): Promise<string[]> => {
      const r = await a.ok('records.export', q);
      const lines = fs.readFileSync(r.file, 'utf8').slice(1).split('\r\n').filter(Boolean);
      expect(r.rows).toBe(lines.length - 1);
      return lines.slice(1).map((l) => parseCsvLine(l)[0]);
    };
    const failed = a.units().filter((u) => u.result === 'FAIL');
    const today = new Date();
    const day = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    const tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
    const filters: Record<string, unknown>[] = [
      { status: 'failed' },
      { product_id: pid, status: 'verified' },
      { device_id: 'LPS7*' },
      { device_id: failed[0].device_id },
      { hwid: failed[1].hwid! },
      { status: 'failed', from: day(today), to: day(tomorrow) },
      { from: day(tomorrow) },
      {},
    ];
    for (const q of filters) expect((await exported(q)).sort(), JSON.stringify(q)).toEqual((await searched(q)).sort());
    expect(await exported({ status: 'failed' })).toHaveLength(2);
    expect(await exported({ device_id: failed[0].device_id })).toEqual([failed[0].device_id]);
    expect(await exported({})).toHaveLength(5);
  }, 60_000);
});

describe("line screen: today's counters", () => {
  it('count every result from the results log: the same after a restart, zero on the next local day', async () => {
    const sim = await startWechatSim();
    sims.push(sim);
    const { env, pid } = await setupLine(sim);
    const home = env.WXPROV_HOME!;
    const fx = fixtures(tmpDir('wxprov-fix-'));
    closers.push(() => fx.closeAll());
    const fa = await fx.make('ttyA');
    const fb = await fx.make('ttyB');
    const good = await fa.insert();
    await fb.insert({ fault: 'proto2' });

    // 23:50 in Shanghai, 10:50 in New York, on 2026-11-28; the clock runs from there.
    const t0 = Date.now();
    let base = Date.parse('2026-11-28T15:50:00Z');
    const now = () => new Date(base + (Date.now() - t0));
    // The key store made by the CLI opens with its passphrase, as `wxprov ui` opens it.
    const opts = { home, env: { WXPROV_API_BASE: sim.url, WXPROV_OPERATOR: 'op7', WXPROV_KEY_PASSPHRASE: env.WXPROV_KEY_PASSPHRASE }, now, timeZone: 'Asia/Shanghai' };

    const a = await startApp(opts);
    await a.ok('app.chooseMode', { mode: 'real' });
    await a.ok('credentials.set', { appid: sim.appid, appsecret: sim.appsecret });
    await a.ok('products.select', { product_id: pid });
    await a.ok('slots.set', { slots: [{ name: 'A', spec: fa.path, baud: 115200 }, { name: 'B', spec: fb.path, baud: 115200 }] });
    expect((await a.ok('line.status')).today).toEqual({ total: 0, pass: 0, fail: 0, existing: 0 });

    await a.ok('line.start');
    await until(() => a.units().length >= 2, 20_000, 'two results');
    await a.ok('line.stop');
    // The same units placed again on a restarted line: ours is EXISTING, the proto2 unit fails again.
    await a.ok('line.start');
    await until(() => a.units().length >= 4, 20_000, 'four results');
    await a.ok('line.stop');
    const byResult = (slot: string) => a.units().filter((u) => u.slot === slot).map((u) => u.result);
    expect(byResult('A')).toEqual(['PASS', 'EXISTING']);
    expect(byResult('B')).toEqual(['FAIL', 'FAIL']);
    for (const u of a.units().filter((x) => x.slot === 'B')) expect(u).toMatchObject({ device_id: null, step: 'hello', code: 'DEVICE_PROTOCOL' });
    expect(a.units().find((u) => u.slot === 'A')?.hwid).toBe(good.hwid);
    const counted = { total: 4, pass: 1, fail: 2, existing: 1 };
    expect((await a.ok('line.status')).today).toEqual(counted);
    await a.close();

    // The app restarts on the same day: the same counts.
    const b = await startApp(opts);
    expect((await b.ok('line.status')).today).toEqual(counted);

    // The station's clock passes midnight in Shanghai: a new day starts at zero...
    base += 15 * 60_000;
    expect((await b.ok('line.status')).today).toEqual({ total: 0, pass: 0, fail: 0, existing: 0 });
    await b.close();
    // ...while in New York it is still the afternoon of the 28th.
    const c = await startApp({ ...opts, timeZone: 'America/New_York' });
    expect((await c.ok('line.status')).today).toEqual(counted);
  }, 60_000);
});

describe('line screen: engineer mode locks itself when idle', () => {
  it('after 10 minutes without engineer work by default, after the set time otherwise; the operator’s line does not hold it open', async () => {
    let t = Date.parse('2026-11-28T08:00:00Z');
    const now = () => new Date(t);
    const min = 60_000;
    const home = tmpDir('wxprov-app-');
    const a = await startApp({ home, now });
    await a.ok('app.chooseMode', { mode: 'real' });
    expect(await a.ok('lock.setPin', { pin: '2468' })).toMatchObject({ has_pin: true, locked: false, lock_idle_min: 10 });

    // Engineer work (any setup message, or the UI's touch) starts the idle time again.
    t += 9 * min;
    await a.ok('products.list');
    t += 9 * min;
    await a.ok('lock.touch');
    t += 9 * min;
    expect((await a.ok('app.state')).locked).toBe(false);

    // Reading the state and the line's operator controls are not engineer work.
    for (let i = 0; i < 5; i++) {
      await a.ok('line.status');
      await a.ok('app.state');
    }
    const before = a.events.length;
    t += 1 * min;
    // The UI hears of it without asking: the check runs on its own.
    await until(() => a.events.slice(before).some((e) => e.name === 'app' && (e.payload as Events['app']).locked), 2000, 'an app event saying locked');
    expect((await a.ok('app.state')).locked).toBe(true);
    expect((await a.err('station.setCode', { station_code: 'A1' })).code).toBe('APP_LOCKED');
    // A touch after the time ran out does not reopen it, and the setting is the engineer's.
    expect((await a.ok('lock.touch')).locked).toBe(true);
    expect((await a.err('app.setPrefs', { lock_idle_min: 30 })).code).toBe('APP_LOCKED');

    // A shorter setting, set by the engineer.
    await a.ok('lock.unlock', { pin: '2468' });
    expect((await a.ok('app.setPrefs', { lock_idle_min: 2 })).lock_idle_min).toBe(2);
    t += 2 * min - 1;
    expect((await a.ok('app.state')).locked).toBe(false);
    t += 1;
    // Setup asked for once the time is up is refused: the lock is judged before it runs.
    expect((await a.err('slots.set', { slots: [] })).code).toBe('APP_LOCKED');
    expect((await a.ok('app.state')).locked).toBe(true);
    expect((await a.err('app.setPrefs', { lock_idle_min: 0 })).code).toBe('INPUT_INVALID');

    // The setting is kept across a restart, which starts locked as always.
    await a.close();
    const b = await startApp({ home, now });
    expect(await b.ok('app.state')).toMatchObject({ locked: true, lock_idle_min: 2 });
  });
});
