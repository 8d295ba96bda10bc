import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName, Events, InvokeName, Result, UnitResult } from '../../preload/contract.js';
import { createAppService, type AppService, type AppServiceOptions } from '../../main/core/app/app-service.js';
import { dispatch } from '../../main/core/app/dispatch.js';
import { jsonFileKv } from '../../main/core/app/kv.js';
import { SIM_APPSECRET, startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { until } from '../helpers/station.js';
import { readTree, tmpDir } from '../helpers/tmp.js';

// The app's handler table through dispatch(), the path every IPC message and bridge request
// takes: simulation end to end on its in-process ports, the lock, validation, and real-mode
// credentials against the simulator on loopback.

const TUNING: AppServiceOptions['tuning'] = { station: { pollMs: 50, reopenMs: 100, timing: { allowanceMs: 300 } } };

const open: AppService[] = [];
const sims: WechatSim[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
  for (const s of sims.splice(0)) await s.close();
});

/** An app with its events and every answer kept, and helpers that go through dispatch(). */
async function startApp(o: Partial<AppServiceOptions> & { home: string }) {
  const kvFile = path.join(o.home, 'app-settings.json');
  const app = await createAppService({
    env: {},
    kv: jsonFileKv(kvFile),
    shell: 'browser',
    tuning: TUNING,
    ...o,
  });
  open.push(app);
  const events: { name: EventName; payload: unknown; at: number }[] = [];
  app.onEvent((name, payload) => events.push({ name, payload, at: performance.now() }));
  const answers: Result<unknown>[] = [];
  const call = async (name: InvokeName | string, input?: unknown): Promise<Result<any>> => {
    const r = await dispatch(app.handlers, name, input);
    answers.push(r);
    return r;
  };
  const ok = async (name: InvokeName, input?: unknown): Promise<any> => {
    const r = await call(name, input);
    if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  const err = async (name: InvokeName | string, input?: unknown) => {
    const r = await call(name, input);
    if (r.ok) throw new Error(`${name} answered ${JSON.stringify(r.value)}`);
    return r.error;
  };
  const units = () => events.filter((e) => e.name === 'unit').map((e) => e.payload as Events['unit']);
  return { app, kvFile, events, answers, call, ok, err, units };
}

const yymmdd = (d: Date) => `${String(d.getFullYear() % 100).padStart(2, '0')}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;

describe('app service: simulation', () => {
  it('first run → simulation → product, key, bind, setup → two units PASS → synced → exported; a placed unit passes too', async () => {
    const home = tmpDir('wxprov-app-');
    const a = await startApp({ home });

    const first = await a.ok('app.state');
    expect(first).toMatchObject({ mode: null, locale: 'zh-CN', has_pin: false, locked: false, shell: 'browser', station_running: false });
    expect((await a.err('products.list')).code).toBe('APP_NO_MODE');

    const sim = await a.ok('app.chooseMode', { mode: 'simulation' });
    expect(sim).toMatchObject({ mode: 'simulation', station_code: 'SIM1', product_id: null, credentials: { has_secret: true } });
    expect(sim.slots.map((s: { name: string }) => s.name)).toEqual(['1', '2']);
    expect(sim.api_base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.events.some((e) => e.name === 'app' && (e.payload as Events['app']).mode === 'simulation')).toBe(true);
    expect((await a.err('line.start')).code).toBe('LINE_SETUP_MISSING');

    const p = await a.ok('products.create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-1' });
    expect(p).toMatchObject({ existing: false, model_name: 'LAMP-1' });
    const k = await a.ok('keys.create', { product_id: p.product_id });
    expect(k.public_key_pem).toContain('BEGIN PUBLIC KEY');
    expect(await a.ok('keys.list', { product_id: p.product_id })).toHaveLength(1);
    await a.ok('apps.bind', { product_id: p.product_id, appid: 'wx0123456789abcdef' });
    expect((await a.ok('station.setCode', { station_code: 'S7' })).station_code).toBe('S7');
    const t = await a.ok('products.setTemplate', { product_id: p.product_id, id_template: 'LP{station}{date:YYMMDD}{seq:4}' });
    expect(t.example).toBe(`LPS7${yymmdd(new Date())}0001`);
    expect((await a.ok('products.list'))[0]).toMatchObject({ product_id: p.product_id, id_template: 'LP{station}{date:YYMMDD}{seq:4}', key_versions: [k.key_version], appids: ['wx0123456789abcdef'] });
    expect((await a.ok('products.select', { product_id: p.product_id })).product_id).toBe(p.product_id);
    expect((await a.ok('app.setPrefs', { push_test: true })).push_test).toBe(true);

    const started = await a.ok('line.start');
    expect(started.running).toBe(true);
    await until(() => a.units().length >= 2, 20_000, 'two units');
    const [u1, u2] = a.units();
    for (const u of [u1, u2]) {
      expect(u, JSON.stringify(u)).toMatchObject({ result: 'PASS', product_id: p.product_id, key_version: k.key_version });
      expect(u.device_id).toMatch(new RegExp(`^LPS7${yymmdd(new Date())}000[12]$`));
      expect(u.push_test?.result).toBe('PASS');
    }
    expect(new Set([u1.slot, u2.slot])).toEqual(new Set(['1', '2']));
    await until(() => a.events.some((e) => e.name === 'line' && (e.payload as Events['line']).slots.every((s) => s.last?.result === 'PASS')), 5000, 'a line event with both results');

    const synced = await a.ok('sync.now');
    expect(synced.error).toBeUndefined();
    const page = await a.ok('records.search', { product_id: p.product_id });
    expect(page.rows).toHaveLength(2);
    for (const r of page.rows) {
      expect(r.status).toBe('verified');
      expect(r.synced_at).not.toBeNull();
      expect(r.station).toBe('S7');
    }
    expect(new Set(page.rows.map((r: { hwid: string }) => r.hwid))).toEqual(new Set([u1.hwid, u2.hwid]));
    expect((await a.ok('queue.status')).queue).toMatchObject({ pending: 0, synced: 2 });

    const exp = await a.ok('records.export', { product_id: p.product_id });
    expect(exp).toMatchObject({ rows: 2, url: null });
    expect(exp.file).toMatch(/[/\\]exports[/\\]records-[\d-]+\.csv$/);
    const csv = fs.readFileSync(exp.file);
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = csv.toString('utf8').split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((l) => l.includes('"verified"'))).toBe(true);

    // The operator plugs the next unit on slot 1.
    const placed = await a.ok('sim.placeUnit', { slot: '1' });
    expect(placed.slot).toBe('1');
    expect([u1.hwid, u2.hwid]).not.toContain(placed.hwid);
    await until(() => a.units().length >= 3, 20_000, 'a third unit');
    const u3 = a.units()[2];
    expect(u3).toMatchObject({ result: 'PASS', slot: '1', hwid: placed.hwid });
    expect(u3.device_id).toMatch(/0003$/);

    // Slot 2's unit is swapped for one that never answers: the tile lets go of the PASS (it
    // shrinks to the last result) and waits; nothing is provisioned.
    const slot2 = (st: Events['line']) => st.slots.find((s) => s.slot.name === '2')!;
    expect(slot2(await a.ok('line.status'))).toMatchObject({ present: true, last: { result: 'PASS' } });
    const before = a.events.length;
    await a.ok('sim.placeUnit', { slot: '2', fault: 'silent' });
    await until(() => a.events.slice(before).some((e) => e.name === 'line' && !slot2(e.payload as Events['line']).present), 20_000, 'slot 2 empty again');
    expect(slot2(await a.ok('line.status'))).toMatchObject({ state: 'waiting', present: false, hwid: null, device_id: null, last: { result: 'PASS', hwid: u2.slot === '2' ? u2.hwid : u1.hwid } });
    expect(a.units()).toHaveLength(3);

    const status = await a.ok('line.status');
    expect(status.today).toMatchObject({ pass: 3, fail: 0, total: 3 });
    expect(status.slots.find((s: { slot: { name: string } }) => s.slot.name === '1').counters).toMatchObject({ pass: 2, fail: 0 });
    const stopped = await a.ok('line.stop');
    expect(stopped.running).toBe(false);
    expect(stopped.slots.every((s: { state: string }) => s.state === 'idle')).toBe(true);
    expect((await a.ok('app.state')).station_running).toBe(false);

    // Tools and the log.
    const sig = await a.ok('tools.sign', { product_id: p.product_id, device_id: 'ANY001' });
    expect(sig).toMatchObject({ product_id: p.product_id, device_id: 'ANY001', key_version: k.key_version });
    const big = await a.err('tools.push', { push_token: 'tok', msg: '设'.repeat(1800) });
    expect(big).toMatchObject({ code: 'INPUT_MSG_TOO_LARGE', params: { bytes: 5400 } });
    const log = await a.ok('logs.tail', { lines: 20 });
    expect(log.length).toBeGreaterThan(0);
    expect(log.length).toBeLessThanOrEqual(20);
    expect(log.some((l: { event: string }) => l.event === 'line.start' || l.event === 'sync.done' || l.event === 'records.export')).toBe(true);
    expect(await a.ok('line.scan', { sn: 'SN42' })).toMatchObject({ pending_sn: 'SN42' });

    // The simulated fixtures are in the port list.
    const ports = await a.ok('ports.list');
    for (const s of sim.slots) expect(ports.map((x: { path: string }) => x.path)).toContain(s.spec);

    // Line events are throttled to 10 a second; sync events came from the background worker.
    const lineAt = a.events.filter((e) => e.name === 'line').map((e) => e.at);
    expect(lineAt.length).toBeGreaterThan(3);
    for (let i = 1; i < lineAt.length; i++) expect(lineAt[i] - lineAt[i - 1]).toBeGreaterThanOrEqual(90);
    expect(a.events.some((e) => e.name === 'sync')).toBe(true);

    // Nothing the renderer saw holds the simulator's AppSecret.
    for (const r of a.answers) expect(JSON.stringify(r)).not.toContain(SIM_APPSECRET);
    for (const e of a.events) expect(JSON.stringify(e.payload)).not.toContain(SIM_APPSECRET);
  }, 60_000);
});

describe('app service: the lock', () => {
  it('PIN set, locked, setup refused, wrong PIN refused, right PIN unlocks; starts locked; waits after 5 wrong tries', async () => {
    const home = tmpDir('wxprov-app-');
    let t = Date.parse('2026-11-28T08:00:00Z');
    const now = () => new Date(t);
    const a = await startApp({ home, now });
    let s = await a.ok('lock.setPin', { pin: '2468' });
    expect(s).toMatchObject({ has_pin: true, locked: false });
    expect(fs.readFileSync(a.kvFile, 'utf8')).not.toContain('2468');
    expect((await a.err('lock.setPin', { pin: '1111' })).code).toBe('LOCK_PIN_WRONG');

    s = await a.ok('lock.lock');
    expect(s.locked).toBe(true);
    for (const [name, input] of [
      ['products.create', { english_name: 'a', chinese_name: 'b', default_name: 'c', model_name: 'd' }],
      ['station.setCode', { station_code: 'A1' }],
      ['slots.set', { slots: [] }],
      ['credentials.set', { appid: 'wx0123456789abcdef', appsecret: 'x' }],
      ['keys.create', { product_id: 5 }],
      ['app.setPrefs', { push_test: true }],
    ] as const) {
      const e = await a.err(name, input);
      expect(e.code, name).toBe('APP_LOCKED');
      expect(e.hint_en).toMatch(/ask the engineer for the PIN/i);
    }
    expect((await a.ok('app.state')).locked).toBe(true);
    expect((await a.ok('app.setPrefs', { sound: false })).sound).toBe(false);

    const wrong = await a.err('lock.unlock', { pin: '0000' });
    // The wrong current PIN above counted as a try.
    expect(wrong).toMatchObject({ code: 'LOCK_PIN_WRONG', params: { tries_left: 3 } });
    s = await a.ok('lock.unlock', { pin: '2468' });
    expect(s.locked).toBe(false);
    expect(a.events.some((e) => e.name === 'app' && (e.payload as Events['app']).locked === false)).toBe(true);

    // Restarted with a PIN set, the app starts locked.
    await a.app.close();
    open.splice(open.indexOf(a.app), 1);
    const b = await startApp({ home, now });
    expect((await b.ok('app.state')).locked).toBe(true);
    for (let i = 0; i < 4; i++) expect((await b.err('lock.unlock', { pin: '9999' })).code).toBe('LOCK_PIN_WRONG');
    expect(await b.err('lock.unlock', { pin: '9999' })).toMatchObject({ code: 'LOCK_TOO_MANY_TRIES', params: { seconds: 30 } });
    expect((await b.err('lock.unlock', { pin: '2468' })).code).toBe('LOCK_TOO_MANY_TRIES');
    t += 31_000;
    expect((await b.ok('lock.unlock', { pin: '2468' })).locked).toBe(false);
    // A new PIN needs the current one.
    expect((await b.err('lock.setPin', { pin: '1357' })).code).toBe('LOCK_PIN_WRONG');
    expect((await b.ok('lock.setPin', { pin: '1357', current_pin: '2468' })).has_pin).toBe(true);
  });
});

describe('app service: validation', () => {
  it('bad input gives INPUT_INVALID naming the field; unknown messages are refused', async () => {
    const a = await startApp({ home: tmpDir('wxprov-app-') });
    expect(await a.err('credentials.set', { appid: 'not-an-appid', appsecret: 's' })).toMatchObject({ code: 'INPUT_INVALID', params: { field: 'appid' } });
    expect(await a.err('slots.set', { slots: [{ name: '1', spec: '/dev/ttyUSB0', baud: 5 }] })).toMatchObject({ code: 'INPUT_INVALID', params: { field: 'slots.0.baud' } });
    expect(await a.err('lock.setPin', { pin: '12' })).toMatchObject({ code: 'INPUT_INVALID', params: { field: 'pin' } });
    expect(await a.err('logs.tail', {})).toMatchObject({ code: 'INPUT_INVALID', params: { field: 'lines' } });
    expect(await a.err('app.chooseMode', { mode: 'both' })).toMatchObject({ code: 'INPUT_INVALID', params: { field: 'mode' } });
    expect((await a.err('app.nope', {})).code).toBe('INPUT_UNKNOWN_COMMAND');
    await a.ok('app.chooseMode', { mode: 'real' });
    const dup = await a.err('slots.set', { slots: [{ name: '1', spec: '/dev/ttyUSB0', baud: 115200 }, { name: '1', spec: '/dev/ttyUSB1', baud: 115200 }] });
    expect(dup).toMatchObject({ code: 'INPUT_INVALID', params: { field: 'slots.1.name' } });
    expect((await a.err('sim.placeUnit', { slot: '1' })).code).toBe('APP_WRONG_MODE');
    expect((await a.ok('slots.set', { slots: [{ name: 'A', spec: '/dev/ttyUSB0', baud: 115200 }] })).slots).toEqual([{ name: 'A', spec: '/dev/ttyUSB0', baud: 115200 }]);
    expect((await a.ok('app.setLocale', { locale: 'en' })).locale).toBe('en');
  });
});

describe('app service: real mode credentials', () => {
  it('credentials.set seals the AppSecret, credentials.test checks it against the API; the secret never comes back or lands in clear', async () => {
    const secret = 'realmode5ecret' + 'f00dcafe0123456789';
    const sim = await startWechatSim({ appsecret: secret });
    sims.push(sim);
    const home = tmpDir('wxprov-app-');
    const opts = { home, env: { WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: 'engineer passphrase' } };
    const a = await startApp(opts);

    const real = await a.ok('app.chooseMode', { mode: 'real' });
    expect(real).toMatchObject({ mode: 'real', api_base: sim.url, credentials: { appid: null, has_secret: false }, keystore: { state: 'unlocked', keychain: false } });
    expect((await a.err('credentials.test')).code).toBe('CONFIG_MISSING');

    const set = await a.ok('credentials.set', { appid: sim.appid, appsecret: secret });
    expect(set.credentials).toEqual({ appid: sim.appid, has_secret: true });
    expect(await a.ok('credentials.test')).toMatchObject({ mode: 'stable' });
    expect(sim.state.calls.some((c) => c.endpoint === 'stable_token')).toBe(true);
    const p = await a.ok('products.create', { english_name: 'Fan', chinese_name: '风扇', default_name: '风扇', model_name: 'FAN-1' });
    await a.ok('keys.create', { product_id: p.product_id });
    await a.ok('logs.tail', { lines: 100 });
    await a.ok('app.state');

    // A wrong secret is refused by the platform, with a stable code.
    await a.ok('credentials.set', { appid: sim.appid, appsecret: 'wrong-secret-value' });
    expect((await a.err('credentials.test')).code).toMatch(/^WX_/);
    await a.ok('credentials.set', { appid: sim.appid, appsecret: secret });

    // Restarted, the app unseals the stored secret; the CLI's data dir is shared.
    await a.app.close();
    open.splice(open.indexOf(a.app), 1);
    const b = await startApp(opts);
    expect((await b.ok('app.state')).credentials).toEqual({ appid: sim.appid, has_secret: true });
    expect(await b.ok('credentials.test')).toMatchObject({ mode: 'stable' });
    expect((await b.ok('products.list')).map((x: { product_id: number }) => x.product_id)).toEqual([p.product_id]);
    await b.app.close();
    open.splice(open.indexOf(b.app), 1);

    for (const r of [...a.answers, ...b.answers]) expect(JSON.stringify(r)).not.toContain(secret);
    for (const e of [...a.events, ...b.events]) expect(JSON.stringify(e.payload)).not.toContain(secret);
    const kv = fs.readFileSync(a.kvFile, 'utf8');
    expect(kv).not.toContain(secret);
    expect(JSON.parse(kv).appsecret_sealed).toBeUndefined(); // sealed in the key store, in the data dir's database
    for (const f of readTree(home)) expect(f.bytes.includes(Buffer.from(secret)), f.file).toBe(false);
  });
});
