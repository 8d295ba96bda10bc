import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../main/core/context.js';
import { KeyService } from '../../main/core/keys/key-service.js';
import { SimDevice, memoryStore, wechatPushHook, type Identity, type SimDeviceOptions } from '../../main/core/sim/device/index.js';
import { cli } from '../helpers/cli.js';
import { portPlug, transportWorld, TRANSPORTS, type PluggedPort, type Transport } from '../helpers/transports.js';

// `wxprov flash` on units that already hold an identity, on real pseudo-terminals (the
// foreign-identity stories also over TCP and ADB: transports.ts) against
// the loopback WeChat simulator: what is foreign is set aside (FAIL), what is ours is made to
// match the ledger and registered, erased ids are voided, and nothing touches a unit before
// the station knows it can finish it.

const world = transportWorld();
let env: NodeJS.ProcessEnv;
let pid: number;
let transport: Transport = 'pty';
const open: { port: PluggedPort; dev: SimDevice }[] = [];

beforeEach(async () => {
  ({ env, pid } = await world.line());
});
afterEach(async () => {
  while (open.length) {
    const o = open.pop()!;
    o.dev.stop();
    await o.port.close();
  }
});

let n = 0;
/** A unit on its own port (a pty, or the transport under test); `identity` is what it already holds (committed, locked). */
async function unit(opts: SimDeviceOptions & { identity?: Identity } = {}) {
  const plug = await portPlug(transport, os.tmpdir(), `wxprov-locked-${process.pid}-${n++}`, world.adb);
  const port = await plug.plug();
  const { identity, ...rest } = opts;
  const lines: string[] = [];
  const store = rest.store ?? memoryStore(identity ? { hwid: rest.hwid ?? `HW${n}`, identity } : undefined);
  const dev = await SimDevice.boot(port.link, { commitMs: 20, ...rest, store, log: (l) => lines.push(l) });
  open.push({ port, dev });
  return { port: plug.spec, dev, lines };
}

const flash = (port: string, ...extra: string[]) => cli(['flash', '--port', port, '--product', String(pid), '--json', ...extra], env);

function withCtx<T>(f: (ctx: ReturnType<typeof createContext>) => T, e: NodeJS.ProcessEnv = env): T {
  const ctx = createContext({ env: e });
  try {
    return f(ctx);
  } finally {
    ctx.close();
  }
}

/** An identity of this product signed with its key (as another station of the same product would make). */
function ours(deviceId: string, host = world.sim.appid): Identity {
  const signature = withCtx((ctx) => new KeyService(ctx).signer(pid).sign(deviceId));
  return { host_app_id: host, product_id: String(pid), key_version: '1', device_id: deviceId, signature };
}

const row = (deviceId: string) =>
  withCtx((ctx) => ctx.db.prepare('SELECT d.*, o.state AS outbox FROM devices d LEFT JOIN outbox o ON o.device_row = d.id WHERE d.device_id = ?').get(deviceId) as Record<string, unknown> | undefined);

describe.each(TRANSPORTS)('over %s', (t) => {
  beforeEach(() => {
    transport = t;
  });
  afterAll(() => {
    transport = 'pty';
  });

  describe('a locked unit is judged by what it holds', () => {
    it('another hostAppId with this product id is foreign: FAIL, exit 1, set aside, untouched', async () => {
      const { port, dev, lines } = await unit({ hwid: 'HWHOST', identity: ours('OTHERHOST1', 'wx00000000000000ff') });
      const r = await flash(port);
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ result: 'FAIL', step: 'read', code: 'UNIT_FOREIGN_IDENTITY', device_id: 'OTHERHOST1' });
      expect(r.json.reason).toMatch(/wx00000000000000ff/);
      expect(dev.identity()!.host_app_id).toBe('wx00000000000000ff');
      expect(lines.some((l) => /^> (WRITE|ERASE|COMMIT)/.test(l))).toBe(false);
      expect(row('OTHERHOST1')).toBeUndefined();
    });

    it('a signature that does not verify with this product’s key is foreign', async () => {
      const forged = { ...ours('FORGED0001'), signature: ours('SOMEONEELSE').signature };
      const { port } = await unit({ hwid: 'HWFORGED', identity: forged });
      const r = await flash(port);
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ result: 'FAIL', code: 'UNIT_FOREIGN_IDENTITY', device_id: 'FORGED0001' });
      expect(r.json.reason).toMatch(/does not verify/);
      expect(row('FORGED0001')).toBeUndefined();
    });

    it('a valid identity of this product made at another station is adopted: EXISTING, verified, station empty, hwid from the unit, registered after sync', async () => {
      const { port } = await unit({ hwid: 'HWELSEWHERE', identity: ours('ELSEWHERE01') });
      const r = await flash(port);
      expect(r.code).toBe(0);
      expect(r.json).toMatchObject({ result: 'EXISTING', device_id: 'ELSEWHERE01', code: null });
      expect(row('ELSEWHERE01')).toMatchObject({ status: 'verified', station: '', hwid: 'HWELSEWHERE', outbox: 'pending' });
      expect((await cli(['sync', '--json'], env)).code).toBe(0);
      expect(world.sim.state.products.get(pid)!.device_ids.has('ELSEWHERE01')).toBe(true);
    });

    it('an id the ledger holds for another hwid is a clone: FAIL UNIT_ID_ELSEWHERE; the first unit keeps its id', async () => {
      const first = await unit({ hwid: 'HWFIRST' });
      expect((await flash(first.port)).json).toMatchObject({ result: 'PASS', device_id: 'LPL100001' });
      const clone = await unit({ hwid: 'HWCLONE', identity: first.dev.identity()! });
      const r = await flash(clone.port);
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ result: 'FAIL', code: 'UNIT_ID_ELSEWHERE', device_id: 'LPL100001' });
      expect(row('LPL100001')).toMatchObject({ hwid: 'HWFIRST', status: 'verified' });
    });

    it('--push-test on a locked unit of this product re-runs only the test', async () => {
      const u = await unit({ hwid: 'HWRETEST', push: wechatPushHook(world.sim) });
      expect((await flash(u.port)).json).toMatchObject({ result: 'PASS', device_id: 'LPL100001', push_test: null });
      const writes = u.lines.filter((l) => l.startsWith('> WRITE')).length;
      const r = await flash(u.port, '--push-test');
      expect(r.code).toBe(0);
      expect(r.json).toMatchObject({ result: 'EXISTING', device_id: 'LPL100001', push_test: 'PASS' });
      expect(u.lines.filter((l) => l.startsWith('> WRITE')).length).toBe(writes);
      expect(withCtx((ctx) => ctx.db.prepare('SELECT COUNT(*) AS n FROM devices').get())).toEqual({ n: 1 });
      expect(withCtx((ctx) => ctx.db.prepare('SELECT result FROM unit_tests').all())).toEqual([{ result: 'PASS' }]);
    });

    it('a re-run push test that fails is a FAIL at push_test for the locked unit too', async () => {
      const u = await unit({ hwid: 'HWRETESTF' }); // no push hook: TOKEN answers NOTREADY
      expect((await flash(u.port)).json.result).toBe('PASS');
      const r = await flash(u.port, '--push-test');
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ result: 'FAIL', step: 'push_test', code: 'PUSH_TEST_FAILED', device_id: 'LPL100001', push_test: 'FAIL' });
    });
  });
});

describe('void ids', () => {
  it('flash --erase voids the id the unit held: re-flashing twice leaves one verified id, and only it is registered', async () => {
    const u = await unit({ hwid: 'HWREFLASH' });
    expect((await flash(u.port)).json.device_id).toBe('LPL100001');
    expect((await flash(u.port, '--erase')).json).toMatchObject({ result: 'PASS', device_id: 'LPL100002' });
    expect((await flash(u.port, '--erase')).json).toMatchObject({ result: 'PASS', device_id: 'LPL100003' });
    expect(row('LPL100001')).toMatchObject({ status: 'void', outbox: 'cancelled', last_error: expect.stringMatching(/^void: erased on /) });
    expect(row('LPL100002')).toMatchObject({ status: 'void', outbox: 'cancelled' });
    expect(row('LPL100003')).toMatchObject({ status: 'verified', outbox: 'pending' });
    const s = await cli(['sync', '--json'], env);
    expect(s.json).toMatchObject({ synced: 1 });
    expect([...world.sim.state.products.get(pid)!.device_ids]).toEqual(['LPL100003']);
    // The audit keeps who voided what and why.
    const audit = withCtx((ctx) => ctx.db.prepare("SELECT device_id, to_state, detail FROM audit WHERE to_state = 'void' ORDER BY id").all());
    expect(audit).toEqual([
      { device_id: 'LPL100001', to_state: 'void', detail: expect.stringMatching(/^void: erased on /) },
      { device_id: 'LPL100002', to_state: 'void', detail: expect.stringMatching(/^void: erased on /) },
    ]);
  });

  it('devices void: audited, its pending registration cancelled, shown with its reason in records, never twice', async () => {
    expect((await cli(['devices', 'allocate', '--product', String(pid), '--count', '2'], env)).code).toBe(0);
    const r = await cli(['devices', 'void', '--device-id', 'LPL100001', '--reason', 'label torn', '--json'], env);
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ product_id: pid, device_id: 'LPL100001', previous_status: 'allocated', status: 'void', reason: 'label torn', registration: 'cancelled' });
    expect(row('LPL100001')).toMatchObject({ status: 'void', outbox: 'cancelled', last_error: 'void: label torn' });

    const records = await cli(['records', '--product', String(pid), '--format', 'json'], env);
    const voided = (JSON.parse(records.stdout) as Record<string, unknown>[]).find((d) => d.device_id === 'LPL100001');
    expect(voided).toMatchObject({ status: 'void', last_error: 'void: label torn' });

    const again = await cli(['devices', 'void', '--device-id', 'LPL100001', '--reason', 'again'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/DEVICE_STATE_INVALID/);
    expect((await cli(['devices', 'void', '--device-id', 'NOPE', '--reason', 'x'], env)).stderr).toMatch(/DEVICE_NOT_FOUND/);
    expect((await cli(['devices', 'void', '--device-id', 'LPL100002', '--reason', ' '], env)).stderr).toMatch(/--reason/);

    // Only the live id goes to the platform; the void one is never minted again.
    expect((await cli(['sync', '--json'], env)).json).toMatchObject({ synced: 1 });
    expect((await cli(['devices', 'allocate', '--product', String(pid), '--count', '1', '--json'], env)).json).toMatchObject({ first: 'LPL100003' });
  });
});

describe('checked before a unit is touched', () => {
  it('flash --erase with a key that cannot be unsealed refuses before ERASE: the committed unit keeps its identity', async () => {
    const u = await unit({ hwid: 'HWKEEP' });
    expect((await flash(u.port)).json.result).toBe('PASS');
    const before = u.dev.identity();
    const r = await cli(['flash', '--port', u.port, '--product', String(pid), '--erase', '--json'], { ...env, WXPROV_KEY_PASSPHRASE: 'not the passphrase' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/KEY_UNSEAL_FAILED/);
    expect(u.dev.identity()).toEqual(before);
    expect(u.lines.some((l) => l.startsWith('> ERASE'))).toBe(false);
  });

  it('a data dir moved to another computer refuses before the unit is asked anything', async () => {
    const u = await unit({ hwid: 'HWMOVED' });
    const r = await cli(['flash', '--port', u.port, '--product', String(pid), '--json'], { ...env, WXPROV_MACHINE_ID: 'another computer' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/STATION_MACHINE_CHANGED/);
    expect(u.lines.filter((l) => l.startsWith('> '))).toEqual([]);
    expect(u.dev.state()).toBe('blank');
  });

  it('a station without a station code refuses to start, naming it; no unit is written', async () => {
    const bare: NodeJS.ProcessEnv = { ...env, WXPROV_HOME: path.join(os.tmpdir(), `wxprov-bare-${process.pid}-${n++}`) };
    const p = await cli(['product', 'create', '--en', 'Bare', '--zh', '裸', '--default-name', 'bare', '--model', 'B-1', '--json'], bare);
    expect((await cli(['key', 'create', '--product', String(p.json.product_id)], bare)).code).toBe(0);
    const u = await unit({ hwid: 'HWNOCODE' });
    const r = await cli(['station', '--port', u.port, '--product', String(p.json.product_id), '--count', '1', '--json'], bare);
    expect(r.code).toBe(1);
    expect(r.json.error).toMatchObject({ code: 'STATION_CODE_MISSING' });
    // The operator's words say where to set it; the engineer detail names the setting.
    expect(r.json.error.message_en).toMatch(/station code/);
    expect(r.json.error.engineer_en).toMatch(/wxprov config set station_code/);
    expect(u.lines.filter((l) => l.startsWith('> '))).toEqual([]);
  });
});
