import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INVOKE_NAMES, messages, type Input, type InvokeName, type Result } from '../../preload/contract.js';
import { createAppService, type AppService } from '../../main/core/app/app-service.js';
import { dispatch } from '../../main/core/app/dispatch.js';
import { isEngineerWork, lockRule } from '../../main/core/app/guard.js';
import { jsonFileKv } from '../../main/core/app/kv.js';
import { tmpDir } from '../helpers/tmp.js';

// The operator lock as each contract entry declares it, through dispatch() (the path every IPC
// message and bridge request takes): with the lock on, every message the contract does not
// allow is refused with APP_LOCKED and changes nothing; the ones it allows still work.

const open: AppService[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
});

/** A valid input per message, so a refusal is the lock's and not the input check's. A new message needs one here (the type says so). */
const SAMPLES: { [K in InvokeName]: Input<K> } = {
  'app.state': undefined,
  'app.chooseMode': { mode: 'real' },
  'app.setLocale': { locale: 'en' },
  'app.setApiBase': { api_base: 'http://127.0.0.1:8080' },
  'app.setPrefs': { push_test: true },
  'credentials.set': { appid: 'wx0123456789abcdef', appsecret: 'secret' },
  'credentials.test': undefined,
  'keystore.status': undefined,
  'keystore.setup': { passphrase: 'a long enough passphrase' },
  'keystore.unlock': { passphrase: 'a passphrase' },
  'products.list': undefined,
  'products.create': { english_name: 'Fan', chinese_name: '风扇', default_name: '风扇', model_name: 'FAN-1' },
  'products.record': { product_id: 5, model_name: 'FAN-1' },
  'products.select': { product_id: 5 },
  'products.setTemplate': { product_id: 5, id_template: 'FR{seq:6}' },
  'keys.list': { product_id: 5 },
  'keys.create': { product_id: 5 },
  'keys.import': { product_id: 5, key_version: 1, private_key_pem: '-----BEGIN PRIVATE KEY-----' },
  'apps.bind': { product_id: 5, appid: 'wx0123456789abcdef' },
  'fleet.probe': { server: 'https://127.0.0.1:9' },
  'fleet.join': { server: 'https://127.0.0.1:9', fingerprint: 'ab'.repeat(32), code: 'ABCD-EFGH-JKMN-PQRS' },
  'fleet.status': undefined,
  'station.setCode': { station_code: 'B2' },
  'ports.list': undefined,
  'slots.set': { slots: [{ name: 'Z', spec: '/dev/ttyUSB9', baud: 115200 }] },
  'line.start': undefined,
  'line.stop': undefined,
  'line.status': undefined,
  'line.scan': { sn: 'SN000001' },
  'sim.placeUnit': { slot: '1' },
  'queue.status': undefined,
  'queue.resume': undefined,
  'sync.now': undefined,
  'sync.retryFailed': undefined,
  'records.search': {},
  'records.export': {},
  'stats.get': { by: 'hour' },
  'stats.line': undefined,
  'mes.get': undefined,
  'mes.set': { check_url: 'http://127.0.0.1:9/check', report_url: null, offline: 'block', token: 'mes-secret' },
  'mes.status': undefined,
  'mes.sync': undefined,
  'tools.push': { push_token: 'some-device-token', msg: 'hello' },
  'tools.sign': { product_id: 5, device_id: 'D1' },
  'logs.tail': { lines: 10 },
  'lock.setPin': { pin: '1357', current_pin: '2468' },
  'lock.lock': undefined,
  'lock.unlock': { pin: '2468' },
  'lock.touch': undefined,
};

/**
 * Messages allowed in while locked whose handler refuses the setup part: that part, which must
 * be refused, and the operator's part, which must not. A new 'partly' message needs a case here.
 */
const PARTLY: Partial<{ [K in InvokeName]: { setup: Input<K>[]; operator: Input<K>[] } }> = {
  'app.chooseMode': { setup: [{ mode: 'real' }], operator: [] },
  'app.setPrefs': { setup: [{ push_test: true }, { lock_idle_min: 30 }], operator: [{ sound: false }] },
};

async function lockedApp() {
  const home = tmpDir('wxprov-lock-');
  const app = await createAppService({ home, env: {}, kv: jsonFileKv(path.join(home, 'app-settings.json')), shell: 'browser', tuning: { station: { pollMs: 50, reopenMs: 100 } } });
  open.push(app);
  const call = (name: string, input?: unknown): Promise<Result<any>> => dispatch(app.handlers, name, input);
  const ok = async (name: InvokeName, input?: unknown) => {
    const r = await call(name, input);
    if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  // The first mode choice is made before the PIN, as at a real first run.
  await ok('app.chooseMode', { mode: 'simulation' });
  await ok('lock.setPin', { pin: '2468' });
  expect((await ok('lock.lock')).locked).toBe(true);
  return { call, ok };
}

const setupSeen = (s: any) => ({
  mode: s.mode,
  api_base: s.api_base,
  credentials: s.credentials,
  station_code: s.station_code,
  product_id: s.product_id,
  slots: s.slots,
  push_test: s.push_test,
  lock_idle_min: s.lock_idle_min,
  has_pin: s.has_pin,
});

describe('the operator lock, per contract entry', () => {
  it('refuses with APP_LOCKED every message not allowed while locked, and those change nothing', async () => {
    const a = await lockedApp();
    const before = setupSeen(await a.ok('app.state'));
    const denied = INVOKE_NAMES.filter((n) => messages[n].whenLocked !== 'allow' && messages[n].whenLocked !== 'partly');
    // The engineer's setup and tools are among them; a push reaches a unit in the field.
    expect(denied).toEqual(expect.arrayContaining(['tools.push', 'tools.sign', 'queue.resume', 'credentials.set', 'keystore.unlock', 'slots.set', 'lock.setPin']));
    for (const name of denied) {
      const r = await a.call(name, SAMPLES[name]);
      expect(r.ok ? `${name} answered` : `${name}: ${r.error.code}`).toBe(`${name}: APP_LOCKED`);
    }
    const after = await a.ok('app.state');
    expect(after.locked).toBe(true);
    expect(setupSeen(after)).toEqual(before);
  }, 30_000);

  it('refuses tools.push while locked, whatever its size', async () => {
    const a = await lockedApp();
    expect(messages['tools.push'].whenLocked).toBe('deny');
    for (const msg of ['hello', '中'.repeat(1707)]) {
      expect(await a.call('tools.push', { push_token: 'some-device-token', msg })).toMatchObject({ ok: false, error: { code: 'APP_LOCKED' } });
    }
  }, 30_000);

  it("lets in what the locked line needs; a 'partly' message refuses only its setup part", async () => {
    const a = await lockedApp();
    const allowed = INVOKE_NAMES.filter((n) => messages[n].whenLocked === 'allow' && n !== 'lock.unlock');
    for (const name of allowed) {
      const r = await a.call(name, SAMPLES[name]);
      // Other refusals (no product yet, say) are fine: the lock is not the one saying no.
      if (!r.ok) expect(r.error.code, name).not.toBe('APP_LOCKED');
    }
    for (const name of INVOKE_NAMES.filter((n) => messages[n].whenLocked === 'partly')) {
      const cases = PARTLY[name];
      expect(cases, `a test case for ${name}`).toBeDefined();
      for (const input of cases!.setup) expect(await a.call(name, input), `${name} ${JSON.stringify(input)}`).toMatchObject({ ok: false, error: { code: 'APP_LOCKED' } });
      for (const input of cases!.operator) expect(await a.call(name, input), `${name} ${JSON.stringify(input)}`).toMatchObject({ ok: true });
    }
    expect((await a.ok('app.state')).locked).toBe(true);
    expect((await a.ok('lock.unlock', { pin: '2468' })).locked).toBe(false);
    // Unlocked, the same setup goes through.
    expect((await a.ok('app.setPrefs', { push_test: true })).push_test).toBe(true);
  }, 30_000);

  it('denies by default: a name the contract does not declare is refused while locked, and counts as engineer work', () => {
    expect(lockRule('tools.newThing')).toBe('deny');
    expect(lockRule('__proto__')).toBe('deny');
    expect(lockRule('line.start')).toBe('allow');
    expect(isEngineerWork('tools.newThing')).toBe(true);
    expect(isEngineerWork('line.status')).toBe(false);
  });
});
