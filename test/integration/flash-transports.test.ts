import os from 'node:os';
import fs from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimDevice, memoryStore, wechatPushHook, type SimDeviceOptions } from '../../main/core/sim/device/index.js';
import { createContext } from '../../main/core/context.js';
import { KeyService } from '../../main/core/keys/key-service.js';
import { cli } from '../helpers/cli.js';
import { portPlug, transportWorld, TRANSPORTS, type PluggedPort, type Transport } from '../helpers/transports.js';

// `wxprov flash` against simulated units on real pseudo-terminals (socat), one test per fault;
// the same tests over a TCP jig and an Android unit behind the simulated ADB server.

const world = transportWorld();
let env: NodeJS.ProcessEnv;
let pid: number;
let transport: Transport = 'pty';
const open: { port: PluggedPort; dev?: SimDevice }[] = [];

beforeEach(async () => {
  ({ env, pid } = await world.line());
});
afterEach(async () => {
  while (open.length) {
    const o = open.pop()!;
    o.dev?.stop?.();
    await o.port.close();
  }
});

let n = 0;
const name = () => `wxprov-flash-${process.pid}-${n++}`;
async function unit(opts: SimDeviceOptions = {}): Promise<{ port: string; dev: SimDevice }> {
  const plug = await portPlug(transport, os.tmpdir(), name(), world.adb);
  const port = await plug.plug();
  const dev = await SimDevice.boot(port.link, { commitMs: 20, ...opts });
  open.push({ port, dev });
  return { port: plug.spec, dev };
}

const flash = (port: string, ...extra: string[]) => cli(['flash', '--port', port, '--product', String(pid), '--json', ...extra], env);

function ledger(deviceId: string) {
  const ctx = createContext({ env });
  try {
    return {
      device: ctx.db.prepare('SELECT * FROM devices WHERE device_id = ?').get(deviceId) as Record<string, unknown> | undefined,
      queued: ctx.db.prepare('SELECT state FROM outbox WHERE device_id = ?').get(deviceId) as { state: string } | undefined,
      count: (ctx.db.prepare('SELECT COUNT(*) AS n FROM devices').get() as { n: number }).n,
    };
  } finally {
    ctx.close();
  }
}

describe.each(TRANSPORTS)('over %s', (t) => {
  beforeEach(() => {
    transport = t;
  });
  afterAll(() => {
    transport = 'pty';
  });

  describe('wxprov flash', () => {
    it('PASS: allocates from the template, writes, reads back, verifies, commits, records and queues', async () => {
      const { port, dev } = await unit({ hwid: 'HW0001' });
      const r = await flash(port);
      expect(r.code).toBe(0);
      expect(r.json).toMatchObject({ result: 'PASS', device_id: 'LPL100001', hwid: 'HW0001', port, step: 'record', reason: null });
      expect(dev.state()).toBe('locked');
      const id = dev.identity()!;
      expect(id).toMatchObject({ host_app_id: world.sim.appid, product_id: String(pid), key_version: '1', device_id: 'LPL100001' });
      const ctx = createContext({ env });
      expect(new KeyService(ctx).verify(pid, id.device_id, id.signature).valid).toBe(true);
      ctx.close();
      const l = ledger('LPL100001');
      expect(l.device).toMatchObject({ status: 'verified', hwid: 'HW0001', signature: id.signature, port, operator: 'op7', station: 'L1' });
      expect(l.queued).toEqual({ state: 'pending' });
    });

    it('tolerates boot noise, log lines and answers split in pieces', async () => {
      const { port } = await unit({ fault: 'noise', hwid: 'HWNOISE' });
      const r = await flash(port);
      expect(r.json).toMatchObject({ result: 'PASS', hwid: 'HWNOISE' });
    });

    it('retries one corrupt answer and passes', async () => {
      const { port } = await unit({ fault: 'badcrc' });
      const r = await flash(port);
      expect(r.json).toMatchObject({ result: 'PASS' });
    });

    it('a unit pulled mid-write fails within seconds, keeps its id bound to its hwid, and resumes with it', async () => {
      const store = memoryStore();
      const first = await unit({ fault: 'pull', hwid: 'HWPULL', store });
      const t0 = Date.now();
      const r = await flash(first.port);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ result: 'FAIL', hwid: 'HWPULL', device_id: 'LPL100001', code: 'DEVICE_NO_ANSWER' });
      expect(['write', 'readback']).toContain(r.json.step);
      expect(r.json.reason).toMatch(/did not answer/);
      expect(r.json.reason_zh).toMatch(/没有应答/);
      expect(ledger('LPL100001').device).toMatchObject({ status: 'failed', hwid: 'HWPULL' });
      // Plugged back (same unit, same storage, healthy now): same id, none burned.
      const again = await unit({ hwid: 'HWPULL', store });
      const r2 = await flash(again.port);
      expect(r2.json).toMatchObject({ result: 'PASS', device_id: 'LPL100001', hwid: 'HWPULL' });
      expect(ledger('LPL100001').count).toBe(1);
    });

    it('a silent unit fails at HELLO, allocating nothing', async () => {
      const { port } = await unit({ fault: 'silent' });
      const r = await flash(port);
      expect(r.json).toMatchObject({ result: 'FAIL', step: 'hello', code: 'DEVICE_NO_ANSWER', device_id: null });
      expect(ledger('x').count).toBe(0);
    });

    it("a unit locked with another product's identity is set aside, never overwritten (exit 1, FAIL UNIT_FOREIGN_IDENTITY naming its product)", async () => {
      const { port, dev } = await unit({ fault: 'locked' });
      const before = dev.identity();
      const r = await flash(port);
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ result: 'FAIL', device_id: 'PRELOCKED001', step: 'read', code: 'UNIT_FOREIGN_IDENTITY' });
      expect(r.json.reason).toMatch(/product 20001/);
      expect(dev.identity()).toEqual(before);
      expect(ledger('x').count).toBe(0);
    });

    it('an engineer can --erase a development unit first', async () => {
      const { port, dev } = await unit({ fault: 'locked' });
      const r = await flash(port, '--erase');
      expect(r.json).toMatchObject({ result: 'PASS', device_id: 'LPL100001' });
      expect(dev.identity()!.device_id).toBe('LPL100001');
    });

    it('production firmware refusing ERASE is a FAIL naming the device code', async () => {
      const { port } = await unit({ fault: 'erase-denied' });
      const first = await flash(port);
      expect(first.json.result).toBe('PASS');
      const r = await flash(port, '--erase');
      expect(r.json).toMatchObject({ result: 'FAIL', step: 'erase', code: 'DEVICE_ERROR' });
      expect(r.json.reason).toMatch(/DENIED/);
    });

    it('a flash write error at COMMIT is a FAIL at commit with the device code', async () => {
      const { port } = await unit({ fault: 'flash' });
      const r = await flash(port);
      expect(r.json).toMatchObject({ result: 'FAIL', step: 'commit', code: 'DEVICE_ERROR' });
      expect(r.json.reason).toMatch(/FLASH/);
    });

    it('the wrong protocol version is refused at HELLO', async () => {
      const { port } = await unit({ fault: 'proto2' });
      const r = await flash(port);
      expect(r.json).toMatchObject({ result: 'FAIL', step: 'hello', code: 'DEVICE_PROTOCOL' });
    });

    it('a missing port says so, with exit 1', async () => {
      // A pty path nobody made, a jig port nothing listens on, an Android serial the ADB server does not list.
      const r = await flash(transport === 'pty' ? '/dev/ttyUSB-not-there' : (await portPlug(transport, os.tmpdir(), name(), world.adb)).spec);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error PORT_NOT_FOUND/);
    });

    it('takes a given device id or a scanned sn', async () => {
      await cli(['product', 'set', '--product', String(pid), '--id-template', 'SN{sn}'], env);
      const a = await unit();
      expect((await flash(a.port, '--sn', 'AB:12:CD')).json).toMatchObject({ result: 'PASS', device_id: 'SNAB12CD' });
      const b = await unit();
      expect((await flash(b.port, '--device-id', 'HANDPICKED_1')).json).toMatchObject({ result: 'PASS', device_id: 'HANDPICKED_1' });
    });

    it('the push test sends a nonce through the platform and waits for the unit to report it', async () => {
      const { port } = await unit({ push: wechatPushHook(world.sim) });
      const r = await flash(port, '--push-test');
      expect(r.json).toMatchObject({ result: 'PASS', push_test: 'PASS' });
      const ctx = createContext({ env });
      const rows = ctx.db.prepare('SELECT test, result FROM unit_tests').all();
      ctx.close();
      expect(rows).toEqual([{ test: 'push', result: 'PASS' }]);
      expect(world.sim.state.pushes.at(-1)!.msg).toMatch(/wxprov_push_test/);
    });

    it('a failed push test is a FAIL at push_test (exit 1); the identity is kept, registered and recorded with the test', async () => {
      const { port, dev } = await unit(); // no push hook: TOKEN answers NOTREADY
      const r = await flash(port, '--push-test');
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ result: 'FAIL', step: 'push_test', code: 'PUSH_TEST_FAILED', push_test: 'FAIL', device_id: 'LPL100001' });
      expect(r.json.reason).toMatch(/push test failed/i);
      expect(dev.identity()!.device_id).toBe('LPL100001');
      const l = ledger('LPL100001');
      expect(l.device).toMatchObject({ status: 'verified', last_error: null });
      expect(l.queued).toEqual({ state: 'pending' });
      const ctx = createContext({ env });
      try {
        expect(ctx.db.prepare('SELECT test, result FROM unit_tests').all()).toEqual([{ test: 'push', result: 'FAIL' }]);
      } finally {
        ctx.close();
      }
    });
  });
});

describe('fixture files', () => {
  it('the pty link is a symlink to a real tty while the unit is up', async () => {
    const { port } = await unit();
    expect(fs.lstatSync(port).isSymbolicLink()).toBe(true);
    expect(fs.realpathSync(port)).toMatch(/^\/dev\/pts\/\d+$/);
  });
});
