import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WxError } from '../../main/core/errors/wx-error.js';
import { field, fieldMap, type Frame } from '../../main/core/serial/frame.js';
import { HostConn } from '../../main/core/serial/host-conn.js';
import type { Link } from '../../main/core/serial/link.js';
import { openPtyPair, type PtyPair } from '../../main/core/serial/pty.js';
import { openSerialLink } from '../../main/core/serial/serial-link.js';
import { httpPushHook, jsonFileStore, PRELOCKED_IDENTITY, SimDevice, type SimDeviceOptions } from '../../main/core/sim/device/index.js';
import { SIM_APPID, SIM_APPSECRET, startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliDaemon, cliProcess } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

// A real pseudo-terminal through socat: the station opens it with serialport exactly as it
// opens a USB adapter, so this is the serial path end to end without hardware.

const IDENTITY = {
  host_app_id: 'wx0a1b2c3d4e5f6071',
  product_id: '20001',
  key_version: '1',
  device_id: 'PTY0000001',
  signature: 'MEUCIQDx',
};
const STEP = { step: 'test', timeoutMs: 1000, tries: 3 };

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const exists = (p: string) => {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

async function station(linkPath: string): Promise<{ link: Link; conn: HostConn; events: Frame[] }> {
  const link = await openSerialLink(linkPath);
  const conn = new HostConn(link);
  const events: Frame[] = [];
  conn.onEvent((f) => events.push(f));
  cleanup.push(async () => {
    conn.dispose();
    await link.close();
  });
  return { link, conn, events };
}

async function unitOnPty(opts: SimDeviceOptions = {}): Promise<{ pty: PtyPair; device: SimDevice }> {
  const pty = await openPtyPair(path.join(tmpDir(), 'ttySIM0'));
  const device = new SimDevice(pty.link, { commitMs: 10, ...opts });
  cleanup.push(async () => {
    device.stop();
    await pty.close();
  });
  await device.start();
  return { pty, device };
}

async function until<T>(what: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function wxError(p: Promise<unknown>): Promise<WxError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WxError);
    return e as WxError;
  }
  throw new Error('expected a rejection');
}

describe('openPtyPair + SimDevice, station through serialport', () => {
  it('HELLO / WRITE / READ / COMMIT / HELLO locked over a real tty; close removes the link', async () => {
    const { pty, device } = await unitOnPty({ hwid: 'A4CF12B3C4D5' });
    expect(fs.lstatSync(pty.path).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(pty.path)).toMatch(/^\/dev\/pts\/\d+$/);
    const { conn } = await station(pty.path);

    const hello = await conn.request('HELLO', {}, STEP);
    expect(fieldMap(hello.frame)).toMatchObject({ proto: '1', hwid: 'A4CF12B3C4D5', state: 'blank' });
    expect((await conn.request('WRITE', IDENTITY, STEP)).ok).toBe(true);
    expect(fieldMap((await conn.request('READ', {}, STEP)).frame)).toEqual(IDENTITY);
    expect((await conn.request('COMMIT', {}, { ...STEP, timeoutMs: 3000 })).ok).toBe(true);
    expect(field((await conn.request('HELLO', {}, STEP)).frame, 'state')).toBe('locked');
    expect(await conn.request('WRITE', IDENTITY, STEP)).toMatchObject({ ok: false, code: 'LOCKED' });
    expect(device.identity()).toEqual(IDENTITY);
    expect(conn.diagnostics).toMatchObject({ noise: 0, badcrc: 0 });

    await pty.close();
    expect(exists(pty.path)).toBe(false);
  });

  it('survives the station closing and re-opening the port', async () => {
    const { pty } = await unitOnPty();
    const first = await station(pty.path);
    expect((await first.conn.request('HELLO', {}, STEP)).ok).toBe(true);
    first.conn.dispose();
    await first.link.close();
    const second = await station(pty.path);
    expect((await second.conn.request('HELLO', {}, STEP)).ok).toBe(true);
  });

  it('a noisy unit over the real tty: the station still gets every answer', async () => {
    const { pty } = await unitOnPty({ fault: 'noise' });
    const { conn } = await station(pty.path);
    expect((await conn.request('HELLO', {}, STEP)).ok).toBe(true);
    // Opening the port flushes what the tty held, so the tail of a boot line cut mid-way can
    // count as a bad CRC before the first answer, as on real hardware; answers never do.
    const before = conn.diagnostics.badcrc;
    for (let i = 0; i < 5; i++) expect((await conn.request('HELLO', {}, STEP)).ok).toBe(true);
    expect((await conn.request('WRITE', IDENTITY, STEP)).ok).toBe(true);
    expect(fieldMap((await conn.request('READ', {}, STEP)).frame)).toEqual(IDENTITY);
    expect((await conn.request('COMMIT', {}, STEP)).ok).toBe(true);
    expect(conn.diagnostics.noise).toBeGreaterThan(5);
    expect(conn.diagnostics.badcrc).toBe(before);
  });

  it('a unit pulled mid-write: the station fails at the next step within seconds', async () => {
    const { pty } = await unitOnPty({ fault: 'pull' });
    const { conn } = await station(pty.path);
    expect((await conn.request('HELLO', {}, STEP)).ok).toBe(true);
    expect((await conn.request('WRITE', IDENTITY, STEP)).ok).toBe(true);
    const t0 = Date.now();
    const e = await wxError(conn.request('READ', {}, { step: 'readback', timeoutMs: 500, tries: 3 }));
    expect(e.code).toBe('DEVICE_NO_ANSWER');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('refuses to replace a regular file, reports a missing folder, and says how to install socat', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'notes.txt');
    fs.writeFileSync(file, 'keep me');
    expect((await wxError(openPtyPair(file))).code).toBe('SIM_PTY_FAILED');
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
    const missing = await wxError(openPtyPair(path.join(dir, 'no', 'such', 'ttyX')));
    expect(missing.code).toBe('SIM_PTY_FAILED');
    expect(missing.params.detail).toMatch(/socat exited 1: symlink/);
    const noSocat = await wxError(openPtyPair(path.join(dir, 'ttyY'), { socat: path.join(dir, 'no-socat-here') }));
    expect(noSocat.code).toBe('SIM_NEEDS_SOCAT');
    expect(noSocat.toPayload().engineer_en).toMatch(/apt-get install socat/);
    expect(noSocat.toPayload().engineer_zh).toMatch(/apt-get install socat/);
  });

  it('replaces a stale symlink left by a killed simulator', async () => {
    const link = path.join(tmpDir(), 'ttyStale');
    fs.symlinkSync('/dev/pts/9999', link);
    const pty = await openPtyPair(link);
    cleanup.push(() => pty.close());
    expect(fs.readlinkSync(link)).not.toBe('/dev/pts/9999');
  });
});

describe('the WeChat simulator’s pushes route and httpPushHook', () => {
  let sim: WechatSim;
  afterEach(async () => sim?.close());

  async function push(pushToken: string, msg: string): Promise<number> {
    const tok = (await (
      await fetch(`${sim.url}/cgi-bin/stable_token`, { method: 'POST', body: JSON.stringify({ grant_type: 'client_credential', appid: SIM_APPID, secret: SIM_APPSECRET }) })
    ).json()) as { access_token: string };
    const r = (await (
      await fetch(`${sim.url}/wxa/business/runtime/pushappmsg?access_token=${tok.access_token}`, { method: 'POST', body: JSON.stringify({ push_token: pushToken, msg }) })
    ).json()) as { errcode: number };
    return r.errcode;
  }
  const pushes = (q: string, admin: string | null = sim.adminToken) => fetch(`${sim.url}/__sim/pushes?${q}`, { headers: admin ? { 'x-sim-admin': admin } : {} });

  it('GET /__sim/pushes: the admin token is required; a token’s pushes from index `after` on', async () => {
    sim = await startWechatSim();
    sim.registerPushToken('tA');
    sim.registerPushToken('tB');
    expect(await push('tA', 'a0')).toBe(0);
    expect(await push('tB', 'b0')).toBe(0);
    expect(await push('tA', 'a1')).toBe(0);
    expect((await pushes('token=tA', null)).status).toBe(403);
    expect((await pushes('token=tA', 'wrong')).status).toBe(403);
    expect((await pushes('after=0')).status).toBe(400);
    expect((await pushes('token=tA&after=-1')).status).toBe(400);
    const all = (await (await pushes('token=tA')).json()) as { pushes: { msg: string; push_token: string }[]; next: number };
    expect(all.pushes.map((p) => p.msg)).toEqual(['a0', 'a1']);
    expect(all.next).toBe(2);
    const rest = (await (await pushes('token=tA&after=1')).json()) as { pushes: { msg: string }[]; next: number };
    expect(rest).toMatchObject({ pushes: [{ msg: 'a1', push_token: 'tA' }], next: 2 });
    expect(await (await pushes('token=tA&after=2')).json()).toEqual({ pushes: [], next: 2 });
    expect(await (await pushes('token=nobody')).json()).toEqual({ pushes: [], next: 0 });
  });

  it('httpPushHook registers the token over HTTP and delivers each push once, until unsubscribed', async () => {
    sim = await startWechatSim();
    const hook = httpPushHook({ url: sim.url, adminToken: sim.adminToken, pollMs: 20 });
    cleanup.push(() => hook.close());
    const got: string[] = [];
    const off = hook.onPush((m) => got.push(m));
    await hook.registerToken('simpt_x');
    expect(sim.state.pushTokens.has('simpt_x')).toBe(true);
    expect(await push('simpt_x', 'one')).toBe(0);
    expect(await push('simpt_x', 'two')).toBe(0);
    await until(() => got.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['one', 'two']);
    off();
    expect(await push('simpt_x', 'three')).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['one', 'two']);
    const bad = httpPushHook({ url: sim.url, adminToken: 'wrong' });
    await expect(bad.registerToken('t')).rejects.toThrow(/HTTP 403/);
  });
});

describe('wxprov sim device (a real process)', () => {
  const collectStderr = (d: ReturnType<typeof cliDaemon>) => {
    let err = '';
    d.child.stderr.setEncoding('utf8');
    d.child.stderr.on('data', (s: string) => (err += s));
    return () => err;
  };

  it('prints the link path first, answers HELLO through serialport, logs the exchange, and cleans up on SIGINT', async () => {
    const linkPath = path.join(tmpDir(), 'ttySIM1');
    const d = cliDaemon(['sim', 'device', '--link', linkPath, '--hwid', 'CAFE00000001']);
    const stderr = collectStderr(d);
    let stopped = false;
    cleanup.push(() => (stopped ? undefined : d.stop()));
    expect(await d.firstLine).toBe(linkPath);
    const { conn, link } = await station(linkPath);
    const hello = await conn.request('HELLO', {}, STEP);
    expect(fieldMap(hello.frame)).toMatchObject({ proto: '1', hwid: 'CAFE00000001', state: 'blank' });
    await until(() => stderr().includes('< OK HELLO proto=1'));
    expect(stderr()).toContain('> HELLO *49D6');
    conn.dispose();
    await link.close();
    stopped = true;
    expect(await d.stop()).toBe(0);
    expect(exists(linkPath)).toBe(false);
  });

  it('--json --fault locked --state: one JSON line, a locked unit, and its hwid and identity survive a restart', async () => {
    const dir = tmpDir();
    const linkPath = path.join(dir, 'ttySIM2');
    const state = path.join(dir, 'unit.json');
    const d1 = cliDaemon(['sim', 'device', '--link', linkPath, '--fault', 'locked', '--state', state, '--json']);
    collectStderr(d1);
    cleanup.push(() => (d1.child.exitCode === null ? d1.stop() : undefined));
    const first = JSON.parse(await d1.firstLine);
    expect(first).toEqual({ link: linkPath, hwid: expect.stringMatching(/^[0-9A-F]{12}$/), fault: 'locked' });
    const s1 = await station(linkPath);
    expect(field((await s1.conn.request('HELLO', {}, STEP)).frame, 'state')).toBe('locked');
    expect(fieldMap((await s1.conn.request('READ', {}, STEP)).frame)).toEqual(PRELOCKED_IDENTITY);
    expect((await s1.conn.request('ERASE', {}, STEP)).ok).toBe(true);
    expect((await s1.conn.request('WRITE', IDENTITY, STEP)).ok).toBe(true);
    expect((await s1.conn.request('COMMIT', {}, STEP)).ok).toBe(true);
    s1.conn.dispose();
    await s1.link.close();
    expect(await d1.stop()).toBe(0);

    const d2 = cliDaemon(['sim', 'device', '--link', linkPath, '--state', state, '--json']);
    collectStderr(d2);
    cleanup.push(() => (d2.child.exitCode === null ? d2.stop() : undefined));
    expect(JSON.parse(await d2.firstLine)).toEqual({ link: linkPath, hwid: first.hwid, fault: null });
    const s2 = await station(linkPath);
    expect(fieldMap((await s2.conn.request('HELLO', {}, STEP)).frame)).toMatchObject({ hwid: first.hwid, state: 'locked' });
    expect(fieldMap((await s2.conn.request('READ', {}, STEP)).frame)).toEqual(IDENTITY);
    expect(await jsonFileStore(state).load()).toEqual({ hwid: first.hwid, identity: IDENTITY });
  });

  it('--wechat/--sim-admin: TOKEN registers with a running simulator and a push arrives as EVENT PUSH', async () => {
    const sim = await startWechatSim();
    cleanup.push(() => sim.close());
    const linkPath = path.join(tmpDir(), 'ttySIM3');
    const d = cliDaemon(['sim', 'device', '--link', linkPath, '--fault', 'locked', '--wechat', sim.url, '--sim-admin', sim.adminToken]);
    collectStderr(d);
    cleanup.push(() => (d.child.exitCode === null ? d.stop() : undefined));
    await d.firstLine;
    const { conn, events } = await station(linkPath);
    const tok = await conn.request('TOKEN', {}, { ...STEP, timeoutMs: 3000 });
    expect(tok.ok).toBe(true);
    const pushToken = field(tok.frame, 'push_token')!;
    expect(sim.state.pushTokens.has(pushToken)).toBe(true);

    const access = (await (
      await fetch(`${sim.url}/cgi-bin/stable_token`, { method: 'POST', body: JSON.stringify({ grant_type: 'client_credential', appid: SIM_APPID, secret: SIM_APPSECRET }) })
    ).json()) as { access_token: string };
    const msg = JSON.stringify({ wxprov_push_test: 'n0nce42' });
    const sent = (await (
      await fetch(`${sim.url}/wxa/business/runtime/pushappmsg?access_token=${access.access_token}`, { method: 'POST', body: JSON.stringify({ push_token: pushToken, msg }) })
    ).json()) as { errcode: number };
    expect(sent.errcode).toBe(0);
    const ev = await until(() => events.find((e) => e.subject === 'PUSH'));
    expect(Buffer.from(field(ev, 'msg')!, 'base64').toString('utf8')).toBe(msg);
  });

  it('refuses bad flags before making anything', () => {
    const dir = tmpDir();
    const linkPath = path.join(dir, 'ttyBad');
    const fault = cliProcess(['sim', 'device', '--link', linkPath, '--fault', 'melt'], {});
    expect(fault.code).toBe(2);
    expect(fault.stderr).toMatch(/^error INPUT_INVALID: --fault is invalid: melt/);
    const half = cliProcess(['sim', 'device', '--link', linkPath, '--wechat', 'http://127.0.0.1:1'], {});
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--sim-admin is missing/);
    fs.writeFileSync(path.join(dir, 'bad.json'), 'nope');
    const state = cliProcess(['sim', 'device', '--link', linkPath, '--state', path.join(dir, 'bad.json'), '--json'], {});
    expect(state.code).toBe(2);
    expect(state.json.error.code).toBe('INPUT_INVALID');
    expect(exists(linkPath)).toBe(false);
  });
});
