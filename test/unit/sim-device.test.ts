import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WxError } from '../../main/core/errors/wx-error.js';
import { encodeFrame, field, fieldMap, parseLine, type Frame } from '../../main/core/serial/frame.js';
import { HostConn, type Answer } from '../../main/core/serial/host-conn.js';
import { streamLink, type Link } from '../../main/core/serial/link.js';
import {
  DEVICE_FAULTS,
  jsonFileStore,
  memoryStore,
  PRELOCKED_IDENTITY,
  SESSION_GAP_MS,
  SimDevice,
  SimFixture,
  wechatPushHook,
  type DeviceStore,
  type PushHook,
  type SimDeviceOptions,
} from '../../main/core/sim/device/index.js';
import { cli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const IDENTITY = {
  host_app_id: 'wx0a1b2c3d4e5f6071',
  product_id: '20001',
  key_version: '1',
  device_id: 'FRA1261128000001',
  signature: 'MEUCIQDx',
};
const FAST = { step: 'test', timeoutMs: 300, tries: 2 };

/** A deterministic Math.random stand-in (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The two ends of an in-memory cable; every write the unit makes is recorded. */
function cable() {
  const toUnit = new PassThrough();
  const toHost = new PassThrough();
  const host = streamLink('host', toHost, toUnit);
  const raw = streamLink('unit', toUnit, toHost);
  const writes: string[] = [];
  const unit: Link = { ...raw, path: raw.path, write: (d) => (writes.push(d), raw.write(d)) };
  return { host, unit, writes };
}

const open: { conn: HostConn; device: SimDevice; host: Link; unit: Link }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.device.stop();
    o.conn.dispose();
    await o.host.close();
    await o.unit.close();
  }
});

/** A unit and a host on one cable, the unit started (so EVENT BOOT has been sent). */
async function rig(opts: SimDeviceOptions = {}) {
  const { host, unit, writes } = cable();
  const conn = new HostConn(host);
  const events: Frame[] = [];
  const logs: string[] = [];
  const lines: string[] = [];
  conn.onEvent((f) => events.push(f));
  conn.onLog((t) => logs.push(t));
  let pending = '';
  host.onData((c) => {
    pending += c.toString('latin1');
    const parts = pending.split('\n');
    pending = parts.pop()!;
    lines.push(...parts);
  });
  const deviceLog: string[] = [];
  const device = new SimDevice(unit, { commitMs: 5, log: (l) => deviceLog.push(l), ...opts });
  await device.start();
  open.push({ conn, device, host, unit });
  await settle();
  const ask = (verb: string, fields: Record<string, string | number> = {}, o = FAST): Promise<Answer> => conn.request(verb, fields, o);
  return { conn, device, events, logs, lines, writes, deviceLog, ask, host };
}

const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));

async function rejection(p: Promise<unknown>): Promise<WxError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WxError);
    return e as WxError;
  }
  throw new Error('expected a rejection');
}

/** A push hook the test drives by hand. */
function fakeHook(fail = false) {
  const registered: string[] = [];
  const listeners = new Set<(msg: string) => void>();
  const hook: PushHook = {
    async registerToken(t) {
      if (fail) throw new Error('offline');
      registered.push(t);
    },
    onPush(cb) {
      listeners.add(cb);
      return () => void listeners.delete(cb);
    },
  };
  return { hook, registered, deliver: (msg: string) => listeners.forEach((l) => l(msg)), listeners };
}

describe('SimDevice: the exchanges', () => {
  it('says EVENT BOOT when it starts, and HELLO reports proto, fw, hwid and state', async () => {
    const r = await rig({ hwid: 'A4CF12B3C4D5', fw: '1.4.2' });
    expect(r.events.map((e) => e.subject)).toEqual(['BOOT']);
    expect(r.lines[0]).toBe('EVENT BOOT *9D9C');
    const a = await r.ask('HELLO');
    expect(a.ok).toBe(true);
    expect(r.lines.at(-1)).toBe('OK HELLO proto=1 fw=1.4.2 hwid=A4CF12B3C4D5 state=blank *6F30'); // PROTOCOL.md's example, byte for byte
    expect(r.device.hwid).toBe('A4CF12B3C4D5');
  });

  it('makes up a 12-digit upper-case hex hwid from its random source, and keeps it in its store', async () => {
    const store = memoryStore();
    const r = await rig({ random: () => 0.99, store });
    expect(r.device.hwid).toBe('FFFFFFFFFFFF');
    const r2 = await rig({ store });
    expect(r2.device.hwid).toBe('FFFFFFFFFFFF');
    const r3 = await rig();
    expect(r3.device.hwid).toMatch(/^[0-9A-F]{12}$/);
  });

  it('WRITE stages, READ reads back, COMMIT persists and locks; WRITE is then LOCKED', async () => {
    const store = memoryStore();
    const r = await rig({ store });
    const blank = await r.ask('READ');
    expect(blank.ok && blank.frame.fields).toEqual([]);
    expect((await r.ask('WRITE', IDENTITY)).ok).toBe(true);
    expect(r.device.state()).toBe('written');
    expect(r.device.identity()).toBeUndefined();
    expect((await store.load())?.identity).toBeUndefined(); // RAM only
    expect(field((await r.ask('HELLO')).frame, 'state')).toBe('written');
    const read = await r.ask('READ');
    expect(read.frame.fields).toEqual(Object.entries(IDENTITY)); // in protocol order
    expect((await r.ask('COMMIT')).ok).toBe(true);
    expect(r.device.state()).toBe('locked');
    expect(r.device.identity()).toEqual(IDENTITY);
    expect((await store.load())?.identity).toEqual(IDENTITY);
    expect(field((await r.ask('HELLO')).frame, 'state')).toBe('locked');
    const again = await r.ask('WRITE', { ...IDENTITY, device_id: 'OTHER' });
    expect(again).toMatchObject({ ok: false, code: 'LOCKED' });
    expect(r.lines.at(-1)).toBe('ERR WRITE code=LOCKED *D9EF');
    expect(fieldMap((await r.ask('READ')).frame)).toEqual(IDENTITY);
  });

  it('a second WRITE before COMMIT replaces the staged values', async () => {
    const r = await rig();
    await r.ask('WRITE', IDENTITY);
    await r.ask('WRITE', { ...IDENTITY, device_id: 'SECOND' });
    expect(field((await r.ask('READ')).frame, 'device_id')).toBe('SECOND');
  });

  it('refuses a WRITE with a missing key, an unknown key or a malformed value (BADARG), staging nothing', async () => {
    const r = await rig();
    const { signature: _s, ...noSig } = IDENTITY;
    expect(await r.ask('WRITE', noSig)).toMatchObject({ ok: false, code: 'BADARG', msg: 'missing:signature' });
    expect(await r.ask('WRITE', { ...IDENTITY, extra: 'x' })).toMatchObject({ ok: false, code: 'BADARG', msg: 'unknown_key:extra' });
    for (const [k, v] of [
      ['host_app_id', 'wxNOTHEX'],
      ['product_id', 'abc'],
      ['product_id', '0'],
      ['key_version', '-1'],
      ['device_id', 'x'.repeat(129)],
      ['signature', 'not%base64'],
      ['signature', 'abc'],
    ]) {
      expect(await r.ask('WRITE', { ...IDENTITY, [k]: v }), `${k}=${v}`).toMatchObject({ ok: false, code: 'BADARG', msg: `malformed:${k}` });
    }
    expect(r.device.state()).toBe('blank');
  });

  it('COMMIT takes commitMs; with nothing written it is BADARG; sent again once locked it is OK', async () => {
    const r = await rig({ commitMs: 120 });
    expect(await r.ask('COMMIT')).toMatchObject({ ok: false, code: 'BADARG' });
    await r.ask('WRITE', IDENTITY);
    const t0 = Date.now();
    expect((await r.ask('COMMIT', {}, { ...FAST, timeoutMs: 1000 })).ok).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect((await r.ask('COMMIT', {}, { ...FAST, timeoutMs: 1000 })).ok).toBe(true); // a resend after a lost answer
    expect(r.device.identity()).toEqual(IDENTITY);
  });

  it('handles requests one at a time: a HELLO sent during COMMIT is answered after it, as locked', async () => {
    const r = await rig({ commitMs: 80 });
    await r.ask('WRITE', IDENTITY);
    const commit = r.conn.link.write(encodeFrame('COMMIT') + '\n');
    await commit;
    await settle(5);
    await r.conn.link.write(encodeFrame('HELLO') + '\n');
    await settle(150);
    const answers = r.lines.filter((l) => l.startsWith('OK COMMIT') || l.startsWith('OK HELLO'));
    expect(answers[0]).toMatch(/^OK COMMIT/);
    expect(answers[1]).toMatch(/state=locked/);
  });

  it('ERASE clears the identity everywhere and the unit is blank again', async () => {
    const store = memoryStore();
    const r = await rig({ store, hwid: 'E1' });
    await r.ask('WRITE', IDENTITY);
    await r.ask('COMMIT');
    expect((await r.ask('ERASE')).ok).toBe(true);
    expect(r.device.state()).toBe('blank');
    expect(r.device.identity()).toBeUndefined();
    expect(await store.load()).toEqual({ hwid: 'E1' });
    expect((await r.ask('READ')).frame.fields).toEqual([]);
    expect((await r.ask('WRITE', IDENTITY)).ok).toBe(true);
    expect((await r.ask('ERASE')).ok).toBe(true); // a staged-only unit, and a blank one
    expect((await r.ask('ERASE')).ok).toBe(true);
    expect(r.device.state()).toBe('blank');
  });

  it('answers an unknown verb with UNKNOWN, ignores extra fields on HELLO, and ignores answers and noise sent to it', async () => {
    const r = await rig();
    expect(await r.ask('FROB', { x: 1 })).toMatchObject({ ok: false, code: 'UNKNOWN' });
    expect(r.lines.at(-1)).toBe(encodeFrame('ERR', { code: 'UNKNOWN' }, 'FROB'));
    expect((await r.ask('HELLO', { please: 'yes' })).ok).toBe(true);
    const before = r.lines.length;
    await r.host.write(`${encodeFrame('OK', [], 'HELLO')}\n# a log\ngarbage\n\n${'z'.repeat(3000)}\n`);
    await settle(30);
    expect(r.lines.length).toBe(before);
  });

  it('answers a corrupted request with ERR <VERB> code=BADCRC and does not act on it', async () => {
    const r = await rig();
    const good = encodeFrame('WRITE', IDENTITY);
    const corrupted = good.replace('device_id=FRA1261128000001', 'device_id=FRA1261128000002'); // same length, old CRC
    await r.host.write(corrupted + '\n');
    await settle();
    expect(r.lines.at(-1)).toBe(encodeFrame('ERR', { code: 'BADCRC' }, 'WRITE'));
    expect(r.device.state()).toBe('blank');
    await r.host.write('HELLO *0000\r\n');
    await settle();
    expect(parseLine(r.lines.at(-1)!)).toMatchObject({ kind: 'frame', frame: { verb: 'ERR', subject: 'HELLO', fields: [['code', 'BADCRC']] } });
  });

  it('logs each request and answer', async () => {
    const r = await rig();
    await r.ask('HELLO');
    expect(r.deviceLog).toContain('> HELLO *49D6');
    expect(r.deviceLog.some((l) => l.startsWith('< OK HELLO proto=1'))).toBe(true);
  });

  it('reset() loses RAM, keeps what was committed, and says EVENT BOOT again', async () => {
    const r = await rig();
    await r.ask('WRITE', IDENTITY);
    r.device.reset();
    await settle();
    expect(r.events.filter((e) => e.subject === 'BOOT')).toHaveLength(2);
    expect(r.device.state()).toBe('blank');
    await r.ask('WRITE', IDENTITY);
    await r.ask('COMMIT');
    r.device.reset();
    expect(r.device.state()).toBe('locked');
  });
});

describe('SimDevice: TOKEN and EVENT PUSH', () => {
  it('is NOTREADY unless locked, and NOTREADY when locked without a way to the platform', async () => {
    const { hook, registered } = fakeHook();
    const r = await rig({ push: hook });
    expect(await r.ask('TOKEN')).toMatchObject({ ok: false, code: 'NOTREADY' });
    await r.ask('WRITE', IDENTITY);
    expect(await r.ask('TOKEN')).toMatchObject({ ok: false, code: 'NOTREADY' });
    expect(registered).toEqual([]);
    const offline = await rig({ fault: 'locked' });
    expect(await offline.ask('TOKEN')).toMatchObject({ ok: false, code: 'NOTREADY' });
    const failing = await rig({ fault: 'locked', push: fakeHook(true).hook });
    expect(await failing.ask('TOKEN')).toMatchObject({ ok: false, code: 'NOTREADY', msg: 'offline' });
  });

  it('once locked: registers a push token with the hook, answers it with its expiry, and re-uses it', async () => {
    const { hook, registered } = fakeHook();
    const now = Date.UTC(2026, 0, 1, 8, 0, 0);
    const r = await rig({ push: hook, now: () => now });
    await r.ask('WRITE', IDENTITY);
    await r.ask('COMMIT');
    const tok = await r.ask('TOKEN');
    expect(tok.ok).toBe(true);
    const t = field(tok.frame, 'push_token')!;
    expect(registered).toEqual([t]);
    expect(field(tok.frame, 'expire')).toBe(String(now / 1000 + 7200));
    expect(field((await r.ask('TOKEN')).frame, 'push_token')).toBe(t);
    expect(registered).toHaveLength(1);
  });

  it('reports a push from the hook as EVENT PUSH msg=<base64>', async () => {
    const h = fakeHook();
    const r = await rig({ push: h.hook, fault: 'locked' });
    await r.ask('TOKEN');
    h.deliver('{"wxprov_push_test":"abc123"}');
    h.deliver('你好');
    await settle();
    const pushes = r.events.filter((e) => e.subject === 'PUSH').map((e) => Buffer.from(field(e, 'msg')!, 'base64').toString('utf8'));
    expect(pushes).toEqual(['{"wxprov_push_test":"abc123"}', '你好']);
    expect(r.lines).toContain(encodeFrame('EVENT', { msg: Buffer.from('{"wxprov_push_test":"abc123"}').toString('base64') }, 'PUSH'));
    h.deliver('x'.repeat(2000)); // does not fit a line: a log line says so
    await settle();
    expect(r.logs.some((l) => /does not fit/.test(l))).toBe(true);
    r.device.stop();
    expect(h.listeners.size).toBe(0);
  });

  it('wechatPushHook registers with the simulator and passes on only its own tokens’ pushes', async () => {
    const registered: string[] = [];
    const listeners = new Set<(p: { push_token: string; msg: string }) => void>();
    const sim = {
      registerPushToken: (t: string) => void registered.push(t),
      onPush: (l: (p: { push_token: string; msg: string }) => void) => (listeners.add(l), () => void listeners.delete(l)),
    };
    const hook = wechatPushHook(sim);
    const got: string[] = [];
    const off = hook.onPush((m) => got.push(m));
    await hook.registerToken('t1');
    expect(registered).toEqual(['t1']);
    for (const l of listeners) {
      l({ push_token: 't1', msg: 'mine' });
      l({ push_token: 't2', msg: 'not mine' });
    }
    expect(got).toEqual(['mine']);
    off();
    expect(listeners.size).toBe(0);
  });
});

describe('SimDevice: faults', () => {
  it('knows exactly the documented faults', () => {
    expect([...DEVICE_FAULTS].sort()).toEqual(['badcrc', 'erase-denied', 'flash', 'flicker', 'locked', 'lossy', 'noise', 'proto2', 'pull', 'silent']);
    expect(() => new SimDevice(cable().unit, { fault: 'melt' as never })).toThrow(/unknown fault/);
    expect(() => new SimDevice(cable().unit, { hwid: 'has space' })).toThrow(/hwid/);
  });

  it('noise: banners, # logs and garbage between answers, answers in pieces; the host still gets every answer', async () => {
    const r = await rig({ fault: 'noise', random: seeded(7) });
    expect(r.logs.some((l) => l.startsWith('boot:'))).toBe(true);
    const a = await r.ask('HELLO');
    expect(a.ok).toBe(true);
    expect((await r.ask('WRITE', IDENTITY)).ok).toBe(true);
    expect(fieldMap((await r.ask('READ')).frame)).toEqual(IDENTITY);
    expect((await r.ask('COMMIT')).ok).toBe(true);
    expect(field((await r.ask('HELLO')).frame, 'state')).toBe('locked');
    expect(r.conn.diagnostics.noise).toBeGreaterThanOrEqual(5); // banner lines and one garbage line per answer
    expect(r.conn.diagnostics.badcrc).toBe(0);
    // No single write carried a whole answer line: they came in pieces.
    expect(r.writes.some((w) => w.startsWith('OK HELLO') && w.endsWith('\n'))).toBe(false);
    expect(r.writes.join('')).toContain(r.lines.find((l) => l.startsWith('OK READ'))!);
  });

  it('noise: a different random source gives different garbage, the same answers', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = await rig({ fault: 'noise', random: seeded(seed), hwid: 'N1' });
      expect(await r.ask('HELLO')).toMatchObject({ ok: true, frame: { fields: expect.arrayContaining([['hwid', 'N1']]) } });
    }
  });

  it('badcrc: the first answer only has a wrong CRC; the host retries and gets through', async () => {
    const r = await rig({ fault: 'badcrc' });
    const a = await r.ask('HELLO');
    expect(a.ok).toBe(true);
    expect(r.conn.diagnostics.badcrc).toBe(1);
    expect(r.lines.filter((l) => parseLine(l).kind === 'badcrc')).toHaveLength(1);
    expect(parseLine(r.lines.find((l) => l.startsWith('OK HELLO'))!).kind).toBe('badcrc');
    expect((await r.ask('WRITE', IDENTITY)).ok).toBe(true);
    expect((await r.ask('READ')).ok).toBe(true);
    expect(r.conn.diagnostics.badcrc).toBe(1);
  });

  it('pull: answers WRITE, then silence forever; the host fails at the next step within seconds', async () => {
    const h = fakeHook();
    const r = await rig({ fault: 'pull', push: h.hook });
    expect((await r.ask('HELLO')).ok).toBe(true);
    expect((await r.ask('WRITE', IDENTITY)).ok).toBe(true);
    const t0 = Date.now();
    const e = await rejection(r.ask('READ', {}, { step: 'readback', timeoutMs: 200, tries: 3 }));
    expect(e.code).toBe('DEVICE_NO_ANSWER');
    expect(e.params.step).toBe('readback');
    expect(Date.now() - t0).toBeLessThan(2000);
    const quietFrom = r.lines.length;
    expect((await rejection(r.ask('HELLO'))).code).toBe('DEVICE_NO_ANSWER');
    h.deliver('anyone?');
    await settle();
    expect(r.lines.length).toBe(quietFrom);
  });

  it('pull, plugged back (reset or a new unit on the same store): blank again, same hwid, answers again', async () => {
    const store = memoryStore();
    const r = await rig({ fault: 'pull', store });
    await r.ask('WRITE', IDENTITY);
    const hwid = r.device.hwid;
    const again = await rig({ store });
    expect(again.device.hwid).toBe(hwid);
    expect(field((await again.ask('HELLO')).frame, 'state')).toBe('blank');
    r.device.reset();
    await settle();
    expect(field((await r.ask('HELLO')).frame, 'state')).toBe('blank');
    expect((await r.ask('WRITE', IDENTITY)).ok).toBe(true); // pull strikes once
    expect((await r.ask('READ')).ok).toBe(true);
  });

  it('silent: no EVENT BOOT, no answer to anything', async () => {
    const r = await rig({ fault: 'silent' });
    expect(r.events).toEqual([]);
    expect((await rejection(r.ask('HELLO'))).code).toBe('DEVICE_NO_ANSWER');
    await r.host.write('HELLO *0000\n');
    await settle();
    expect(r.lines).toEqual([]);
  });

  it('locked: starts locked with the pre-existing identity and refuses WRITE', async () => {
    const r = await rig({ fault: 'locked' });
    expect(field((await r.ask('HELLO')).frame, 'state')).toBe('locked');
    expect(fieldMap((await r.ask('READ')).frame)).toEqual(PRELOCKED_IDENTITY);
    expect(PRELOCKED_IDENTITY).toMatchObject({ host_app_id: 'wx0a1b2c3d4e5f6071', product_id: '20001', key_version: '1', device_id: 'PRELOCKED001' });
    expect(await r.ask('WRITE', IDENTITY)).toMatchObject({ ok: false, code: 'LOCKED' });
    expect(r.device.identity()).toEqual(PRELOCKED_IDENTITY);
  });

  it('erase-denied: ERASE is DENIED and the identity stays', async () => {
    const r = await rig({ fault: 'erase-denied' });
    await r.ask('WRITE', IDENTITY);
    await r.ask('COMMIT');
    expect(await r.ask('ERASE')).toMatchObject({ ok: false, code: 'DENIED' });
    expect(r.device.state()).toBe('locked');
    expect(r.device.identity()).toEqual(IDENTITY);
  });

  it('flash: COMMIT answers FLASH and nothing is kept', async () => {
    const store = memoryStore();
    const r = await rig({ fault: 'flash', store });
    await r.ask('WRITE', IDENTITY);
    expect(await r.ask('COMMIT')).toMatchObject({ ok: false, code: 'FLASH' });
    expect(r.device.state()).toBe('written');
    expect(r.device.identity()).toBeUndefined();
    expect((await store.load())?.identity).toBeUndefined();
  });

  it('proto2: HELLO answers proto=2', async () => {
    const r = await rig({ fault: 'proto2' });
    expect(field((await r.ask('HELLO')).frame, 'proto')).toBe('2');
  });
});

describe('SimDevice: non-volatile storage', () => {
  it('an identity committed to a JSON store survives a new SimDevice on the same file, hwid included', async () => {
    const file = path.join(tmpDir(), 'sub', 'unit.json');
    const r = await rig({ store: jsonFileStore(file) });
    const hwid = r.device.hwid;
    await r.ask('WRITE', IDENTITY);
    await r.ask('COMMIT');
    r.device.stop();
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(onDisk).toMatchObject({ hwid, identity: IDENTITY });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['unit.json']); // no temporary file left behind

    const r2 = await rig({ store: jsonFileStore(file) });
    expect(r2.device.hwid).toBe(hwid);
    expect(r2.device.state()).toBe('locked');
    expect(r2.device.identity()).toEqual(IDENTITY);
    expect(fieldMap((await r2.ask('READ')).frame)).toEqual(IDENTITY);
    expect(await r2.ask('WRITE', IDENTITY)).toMatchObject({ ok: false, code: 'LOCKED' });
  });

  it('what was only written (not committed) does not survive a restart', async () => {
    const file = path.join(tmpDir(), 'unit.json');
    const r = await rig({ store: jsonFileStore(file), hwid: 'W1' });
    await r.ask('WRITE', IDENTITY);
    r.device.stop();
    const r2 = await rig({ store: jsonFileStore(file) });
    expect(r2.device.hwid).toBe('W1');
    expect(r2.device.state()).toBe('blank');
  });

  it('a power cut during COMMIT keeps the old state', async () => {
    const store = memoryStore();
    const r = await rig({ store, commitMs: 100 });
    await r.ask('WRITE', IDENTITY);
    void r.host.write(encodeFrame('COMMIT') + '\n');
    await settle(30);
    r.device.stop();
    await settle(120);
    expect((await store.load())?.identity).toBeUndefined();
    const r2 = await rig({ store, commitMs: 100 });
    await r2.ask('WRITE', IDENTITY);
    void r2.host.write(encodeFrame('COMMIT') + '\n');
    await settle(30);
    r2.device.reset();
    await settle(120);
    expect(r2.device.state()).toBe('blank');
    expect(r2.lines.some((l) => l.startsWith('OK COMMIT'))).toBe(false);
    expect((await store.load())?.identity).toBeUndefined();
  });

  it('a store that fails to save: COMMIT and ERASE answer FLASH and the unit stays as it was', async () => {
    const inner = memoryStore();
    let broken = false;
    const store: DeviceStore = { load: inner.load, save: async (rec) => (broken ? Promise.reject(new Error('flash worn out')) : inner.save(rec)) };
    const r = await rig({ store });
    await r.ask('WRITE', IDENTITY);
    broken = true;
    expect(await r.ask('COMMIT')).toMatchObject({ ok: false, code: 'FLASH' });
    expect(r.device.state()).toBe('written');
    expect(r.deviceLog.some((l) => l.includes('flash worn out'))).toBe(true);
    broken = false;
    await r.ask('COMMIT');
    broken = true;
    expect(await r.ask('ERASE')).toMatchObject({ ok: false, code: 'FLASH' });
    expect(r.device.identity()).toEqual(IDENTITY);
    expect((await inner.load())?.identity).toEqual(IDENTITY);
  });

  it('refuses a state file that is not one, saying which file', async () => {
    const file = path.join(tmpDir(), 'bad.json');
    fs.writeFileSync(file, '{"identity": {"device_id": 5}}');
    await expect(jsonFileStore(file).load()).rejects.toThrow(/bad\.json.*identity/);
    fs.writeFileSync(file, 'not json');
    await expect(jsonFileStore(file).load()).rejects.toThrow(/not JSON/);
    await expect(jsonFileStore(path.join(path.dirname(file), 'none.json')).load()).resolves.toBeUndefined();
  });
});

describe('SimDevice: --baud pacing', () => {
  it('takes as long as the UART would for what it reads and what it answers (10 bits a byte), and no more than a little over', async () => {
    const baud = 2400;
    const r = await rig({ baud, hwid: 'BAUD01' });
    const t0 = performance.now();
    const a = await r.ask('HELLO', {}, { step: 'test', timeoutMs: 1000, tries: 1 });
    const ms = performance.now() - t0;
    const bytes = 'HELLO *49D6\n'.length + r.lines.at(-1)!.length + 1;
    const bound = (bytes * 10 * 1000) / baud;
    expect(a.ok).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(bound);
    expect(ms).toBeLessThan(bound * 1.5);
    // Unpaced, the same exchange is far quicker than that.
    const fast = await rig({ hwid: 'BAUD02' });
    const t1 = performance.now();
    await fast.ask('HELLO');
    expect(performance.now() - t1).toBeLessThan(bound / 2);
  });

  it('keeps the order and the bytes of back-to-back writes', async () => {
    const r = await rig({ baud: 115200, fault: 'noise', random: seeded(3) });
    expect((await r.ask('WRITE', IDENTITY)).ok).toBe(true);
    expect(fieldMap((await r.ask('READ')).frame)).toEqual(IDENTITY);
  });
});

describe('SimFixture: a stream of units on one link', () => {
  // Generous against a loaded machine: two back-to-back exchanges always fit in SWAP.
  const SWAP = 100;
  const GAP = 60;
  const fixtures: SimFixture[] = [];
  afterEach(() => {
    for (const f of fixtures.splice(0)) f.stop();
  });

  function line(o: { units: number; dir: string; prefix?: string; swapMs?: number; gapMs?: number }) {
    const { host, unit } = cable();
    const conn = new HostConn(host);
    const notes: string[] = [];
    const put: { hwid: string; index: number; resumed: boolean }[] = [];
    const fx = new SimFixture(unit, {
      units: o.units,
      stateDir: o.dir,
      hwidPrefix: o.prefix,
      swapMs: o.swapMs ?? SWAP,
      gapMs: o.gapMs ?? GAP,
      commitMs: 1,
      log: (l) => notes.push(l),
      onUnit: (u) => put.push(u),
    });
    fixtures.push(fx);
    open.push({ conn, device: { stop: () => fx.stop() } as SimDevice, host, unit });
    const ask = (verb: string, fields: Record<string, string | number> = {}) => conn.request(verb, fields, { step: 'test', timeoutMs: 1000, tries: 1 });
    const hello = async () => fieldMap((await ask('HELLO')).frame);
    /** What the station does with a blank unit, up to and including the confirming HELLO. */
    const provision = async (deviceId: string) => {
      expect(await hello()).toMatchObject({ state: 'blank' });
      expect((await ask('WRITE', { ...IDENTITY, device_id: deviceId })).ok).toBe(true);
      expect((await ask('READ')).ok).toBe(true);
      expect((await ask('COMMIT')).ok).toBe(true);
      expect(await hello()).toMatchObject({ state: 'locked' });
    };
    return { fx, conn, notes, put, ask, hello, provision };
  }

  /** Until the fixture has put that unit on (it takes a gap, and a loaded machine takes longer). */
  async function onFixture(fx: SimFixture, hwid: string): Promise<void> {
    const end = Date.now() + 3000;
    while (fx.current?.hwid !== hwid) {
      if (Date.now() > end) throw new Error(`${hwid} never put on (current: ${fx.current?.hwid ?? 'none'})`);
      await settle(5);
    }
    await settle(20); // it listens once its state file is loaded
  }

  const readState = (dir: string, hwid: string) => JSON.parse(fs.readFileSync(path.join(dir, `${hwid}.json`), 'utf8'));

  it('takes a unit off only once the station confirmed it and kept polling it for swapMs, then puts a new blank one on after a gap', async () => {
    const dir = tmpDir();
    const l = line({ units: 3, dir, prefix: 'FX' });
    await l.fx.start();
    expect(await l.hello()).toMatchObject({ hwid: 'FX01', state: 'blank' });
    await l.provision('FIXTURE0001');
    // Confirmed, but the station has not come back to poll (it may have stopped before recording): the unit stays.
    await settle(100);
    expect(l.fx.current?.hwid).toBe('FX01');
    expect(await l.hello()).toMatchObject({ hwid: 'FX01', state: 'locked' }); // back to idle polling
    await settle(SWAP + 10);
    expect(l.fx.current?.hwid).toBe('FX01');
    expect(await l.hello()).toMatchObject({ hwid: 'FX01', state: 'locked' }); // swapMs later: answered, then taken off
    await settle(10);
    expect(l.fx.current).toBeUndefined(); // the fixture is empty
    await expect(l.ask('HELLO')).rejects.toMatchObject({ code: 'DEVICE_NO_ANSWER' });
    await onFixture(l.fx, 'FX02');
    expect(await l.hello()).toMatchObject({ hwid: 'FX02', state: 'blank' });
    expect(readState(dir, 'FX01')).toMatchObject({ hwid: 'FX01', identity: { ...IDENTITY, device_id: 'FIXTURE0001' } });
    expect(readState(dir, 'FX02')).toMatchObject({ hwid: 'FX02', identity: null });
    expect(l.put).toEqual([
      { hwid: 'FX01', index: 1, resumed: false },
      { hwid: 'FX02', index: 2, resumed: false },
    ]);
    expect(l.notes).toContain('. fixture: unit FX01 taken off');
  });

  it('a station back at work (a READ of the locked unit) starts the count again; the last unit stays for good', async () => {
    const dir = tmpDir();
    const l = line({ units: 2, dir, prefix: 'ST' });
    await l.fx.start();
    await l.provision('STAY0001');
    // A station at work on it again (as a restarted one would be): HELLO, HELLO, then READ at once.
    await l.hello();
    await l.hello();
    expect((await l.ask('READ')).ok).toBe(true);
    await l.hello();
    await settle(SWAP + 10);
    expect(l.fx.current?.hwid).toBe('ST01');
    await l.hello(); // idle since here
    await settle(SWAP + 10);
    await l.hello();
    await onFixture(l.fx, 'ST02');
    expect(await l.hello()).toMatchObject({ hwid: 'ST02', state: 'blank' });
    await l.provision('STAY0002');
    await l.hello();
    await settle(SWAP + 10);
    await l.hello();
    await settle(20);
    expect(l.fx.done).toBe(true);
    expect(await l.hello()).toMatchObject({ hwid: 'ST02', state: 'locked' });
    expect(l.notes).toContain('. fixture: all 2 units done; ST02 stays on');
    expect(l.fx.hwids).toEqual(['ST01', 'ST02']);
    expect(fs.readdirSync(dir).sort()).toEqual(['ST01.json', 'ST02.json']);
  });

  it('a pause longer than a station poll (a station restarted) starts the count again', async () => {
    const dir = tmpDir();
    const l = line({ units: 2, dir, prefix: 'GP' });
    await l.fx.start();
    await l.provision('GAP00001');
    await l.hello();
    await settle(SESSION_GAP_MS + 100);
    await l.hello(); // a new station's discovery poll: the unit does not leave under it
    await settle(10);
    expect(l.fx.current?.hwid).toBe('GP01');
    await l.hello();
    await settle(SWAP + 10);
    await l.hello();
    await settle(10);
    expect(l.fx.current).toBeUndefined();
  });

  it('a unit that fails (never locked) stays on; random hwids are 12 hex digits', async () => {
    const dir = tmpDir();
    const l = line({ units: 3, dir });
    await l.fx.start();
    const h = (await l.hello()).hwid;
    expect(h).toMatch(/^[0-9A-F]{12}$/);
    expect((await l.ask('WRITE', IDENTITY)).ok).toBe(true);
    for (let i = 0; i < 3; i++) {
      await l.hello();
      await settle(SWAP + 10);
    }
    expect(l.fx.current?.hwid).toBe(h);
  });

  it('restarted on its state dir, puts the newest unit back, counts the others, and carries on', async () => {
    const dir = tmpDir();
    const a = line({ units: 3, dir, prefix: 'RS' });
    await a.fx.start();
    await a.provision('RESUME0001');
    await a.hello();
    await settle(SWAP + 10);
    await a.hello();
    await onFixture(a.fx, 'RS02');
    expect(await a.hello()).toMatchObject({ hwid: 'RS02' });
    await a.provision('RESUME0002');
    a.fx.stop(); // the simulator stops before the station polls RS02 again
    const b = line({ units: 3, dir, prefix: 'RS' });
    // The newest file is RS02's: make sure the clock shows it even on a coarse file system.
    fs.utimesSync(path.join(dir, 'RS01.json'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await b.fx.start();
    expect(b.put).toEqual([{ hwid: 'RS02', index: 2, resumed: true }]);
    expect(await b.hello()).toMatchObject({ hwid: 'RS02', state: 'locked' });
    expect(fieldMap((await b.ask('READ')).frame)).toMatchObject({ device_id: 'RESUME0002' });
    await b.hello();
    await b.hello();
    await settle(SWAP + 10);
    await b.hello();
    await onFixture(b.fx, 'RS03');
    expect(await b.hello()).toMatchObject({ hwid: 'RS03', state: 'blank' });
    expect(b.fx.fed).toBe(3);
  });

  it('wxprov sim device refuses fixture flags that do not fit, before opening anything', async () => {
    const dir = tmpDir();
    const link = path.join(dir, 'ttyFX');
    const noDir = await cli(['sim', 'device', '--link', link, '--units', '3'], {});
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/--state-dir is missing/);
    const both = await cli(['sim', 'device', '--link', link, '--units', '3', '--state-dir', dir, '--state', path.join(dir, 'u.json')], {});
    expect(both.stderr).toMatch(/^error INPUT_INVALID: --state/);
    const badPrefix = await cli(['sim', 'device', '--link', link, '--units', '3', '--state-dir', dir, '--hwid', 'a/b'], {});
    expect(badPrefix.stderr).toMatch(/^error INPUT_INVALID: --hwid/);
    const noUnits = await cli(['sim', 'device', '--link', link, '--swap-ms', '10'], {});
    expect(noUnits.stderr).toMatch(/--units is missing/);
    const badBaud = await cli(['sim', 'device', '--link', link, '--baud', '0'], {});
    expect(badBaud.stderr).toMatch(/^error INPUT_INVALID: --baud/);
    expect(fs.existsSync(link)).toBe(false);
  });
});
