import path from 'node:path';
import { WxError } from '../../errors/wx-error.js';
import { openPtyPair } from '../../serial/pty.js';
import { parseHostPort } from '../../serial/tcp-link.js';
import { serveUnitOnTcp } from '../../sim/device/tcp-unit-port.js';
import { DEVICE_FAULTS, HWID_PREFIX_RE, httpPushHook, isDeviceFault, jsonFileStore, memoryStore, SimDevice, SimFixture, SWAP_AFTER, type SwapAfter } from '../../sim/device/index.js';
import { optInt, optStr, str } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';

const USAGE =
  'wxprov sim device --link <path> | --tcp <host:port> [--hwid <h>] [--fault noise|badcrc|pull|silent|locked|erase-denied|flash|proto2|lossy|flicker] [--state <file.json>] [--wechat <sim url> --sim-admin <token>] [--commit-ms <n>] [--baud <n>] [--units <n> --state-dir <dir> [--swap-after idle|confirm] [--swap-ms 200] [--gap-ms 700]] [--json]';
const HWID_RE = /^[\x21-\x29\x2b-\x7e]{1,64}$/;

/**
 * A simulated WXP/1 unit on a pseudo-terminal: the station opens --link as it would a USB
 * serial adapter; or on TCP (--tcp, port 0 picks one), as a networked jig serves its unit: the
 * station's slot is the `tcp:<host>:<port>` printed first. Every request and answer goes to stderr. With --state the unit's hwid and
 * committed identity survive a restart; with --wechat and --sim-admin its TOKEN and EVENT
 * PUSH go through a running `wxprov sim wechat`. With --baud it is as slow as that UART. With
 * --units it is a fixture on a line: one unit after another (a new blank one, new hwid, its
 * own `<state-dir>/<hwid>.json`) each time the station is done with one; --hwid is then the
 * hwids' prefix.
 */
export const simDeviceCommand: Command = {
  path: ['sim', 'device'],
  usage: USAGE,
  summary: 'Run a simulated WXP/1 unit on a pseudo-terminal at --link (needs socat) or on TCP at --tcp (prints the path or tcp: spec first)',
  options: {
    ...JSON_OPT,
    link: { type: 'string' },
    tcp: { type: 'string' },
    hwid: { type: 'string' },
    fault: { type: 'string' },
    state: { type: 'string' },
    wechat: { type: 'string' },
    'sim-admin': { type: 'string' },
    'commit-ms': { type: 'string' },
    baud: { type: 'string' },
    units: { type: 'string' },
    'state-dir': { type: 'string' },
    'swap-after': { type: 'string' },
    'swap-ms': { type: 'string' },
    'gap-ms': { type: 'string' },
  },
  async run(v, _p, io) {
    const tcp = optStr(v, 'tcp');
    if (tcp !== undefined && v.link !== undefined) throw new WxError('INPUT_INVALID', { field: '--link | --tcp', detail: 'both given', allowed: 'one of them' });
    const tcpAt = tcp === undefined ? undefined : parseListen(tcp);
    const linkPath = tcpAt ? undefined : path.resolve(str(v, 'link', USAGE));
    const fault = optStr(v, 'fault');
    if (fault !== undefined && !isDeviceFault(fault)) throw new WxError('INPUT_INVALID', { field: '--fault', detail: fault, allowed: DEVICE_FAULTS.join(', ') });
    const hwid = optStr(v, 'hwid');
    const units = optInt(v, 'units', 1, 100_000);
    const stateDir = optStr(v, 'state-dir');
    if (units !== undefined) {
      if (!stateDir) throw new WxError('INPUT_MISSING', { field: '--state-dir', usage: USAGE });
      if (v.state !== undefined) throw new WxError('INPUT_INVALID', { field: '--state', detail: 'given with --units', allowed: '--state-dir: each unit has its own file there' });
      if (hwid !== undefined && !HWID_PREFIX_RE.test(hwid)) throw new WxError('INPUT_INVALID', { field: '--hwid', detail: hwid, allowed: 'with --units, a prefix of 1-48 letters, digits, _ or -' });
    } else {
      for (const f of ['state-dir', 'swap-after', 'swap-ms', 'gap-ms']) if (v[f] !== undefined) throw new WxError('INPUT_MISSING', { field: '--units', usage: USAGE });
      if (hwid !== undefined && !HWID_RE.test(hwid)) throw new WxError('INPUT_INVALID', { field: '--hwid', detail: hwid, allowed: '1-64 printable ASCII characters, no spaces or *' });
    }
    const commitMs = optInt(v, 'commit-ms', 0, 600_000);
    const baud = optInt(v, 'baud', 300, 4_000_000);
    const swapMs = optInt(v, 'swap-ms', 0, 600_000);
    const swapAfter = optStr(v, 'swap-after');
    if (swapAfter !== undefined && !(SWAP_AFTER as readonly string[]).includes(swapAfter)) {
      throw new WxError('INPUT_INVALID', { field: '--swap-after', detail: swapAfter, allowed: SWAP_AFTER.join(' | ') });
    }
    const gapMs = optInt(v, 'gap-ms', 0, 600_000);
    const wechat = optStr(v, 'wechat');
    const adminToken = optStr(v, 'sim-admin');
    if (wechat !== undefined && !adminToken) throw new WxError('INPUT_MISSING', { field: '--sim-admin', usage: USAGE });
    if (adminToken !== undefined && !wechat) throw new WxError('INPUT_MISSING', { field: '--wechat', usage: USAGE });
    if (wechat !== undefined && !/^https?:\/\/[^\s/]+/.test(wechat)) throw new WxError('INPUT_INVALID', { field: '--wechat', detail: wechat, allowed: 'the URL `wxprov sim wechat` printed, http://127.0.0.1:PORT' });

    const statePath = optStr(v, 'state');
    const store = statePath ? jsonFileStore(path.resolve(statePath)) : memoryStore();
    try {
      await store.load();
    } catch (e) {
      throw new WxError('INPUT_INVALID', { field: '--state', detail: (e as Error).message, allowed: 'a state file written by wxprov sim device, or a path that does not exist yet' });
    }

    const log = (line: string) => void io.stderr.write(line + '\n');
    const push = wechat && adminToken ? httpPushHook({ url: wechat, adminToken, onError: (e) => log(`! push poll failed: ${e.message}`) }) : undefined;
    const pty = tcpAt ? await tcpPort(tcpAt) : await openPtyPair(linkPath!);
    const link = 'spec' in pty ? pty.spec : pty.path;
    const how = tcpAt ? "give that as the station's port" : 'open that path as the serial port';
    let device: SimDevice | undefined;
    let fixture: SimFixture | undefined;
    try {
      if (units !== undefined) {
        const dir = path.resolve(stateDir!);
        // One line per unit put on; the first carries the link path, so `head -1` still finds it.
        let first = true;
        const onUnit = (u: { hwid: string; index: number }) => {
          if (v.json) io.stdout.write(JSON.stringify({ ...(first ? { link } : {}), hwid: u.hwid, unit: u.index, units, state_dir: dir, fault: fault ?? null }) + '\n');
          else if (first) io.stdout.write(`${link}\nFixture of ${units} simulated units on ${link}, state files in ${dir}: ${how} (Ctrl-C to stop)\n`);
          first = false;
        };
        fixture = new SimFixture(pty.link, { units, stateDir: dir, hwidPrefix: hwid, swapAfter: swapAfter as SwapAfter | undefined, swapMs, gapMs, fault, push, log, commitMs, baud, onUnit });
        await fixture.start().catch((e: unknown) => {
          throw new WxError('INPUT_INVALID', { field: '--state-dir', detail: e instanceof Error ? e.message : String(e), allowed: 'a writable folder of state files written by wxprov sim device --units' });
        });
      } else {
        device = new SimDevice(pty.link, { hwid, fault, store, push, log, commitMs, baud });
        await device.start().catch((e: unknown) => {
          // Only the store can fail here: the state file's folder is not writable, the disk is full.
          throw new WxError('INPUT_INVALID', { field: '--state', detail: e instanceof Error ? e.message : String(e), allowed: 'a writable path' });
        });
        // The link path is the first line on purpose: scripts read it with `head -1`.
        if (v.json) io.stdout.write(JSON.stringify({ link, hwid: device.hwid, fault: fault ?? null }) + '\n');
        else {
          io.stdout.write(`${link}\n`);
          io.stdout.write(`Simulated unit ${device.hwid}${fault ? ` (fault ${fault})` : ''} on ${link}: ${how} (Ctrl-C to stop)\n`);
        }
      }
      const gone = new Promise<'gone'>((resolve) => pty.link.onClose(() => resolve('gone')));
      // A TCP unit's end closes only when this process closes it: it is never 'gone'.
      const why = await Promise.race([io.interrupted.then(() => 'interrupted' as const), gone]);
      if (why === 'gone') throw new WxError('SIM_PTY_FAILED', { link, detail: 'socat exited' });
    } finally {
      fixture?.stop();
      device?.stop();
      push?.close();
      await pty.close();
    }
  },
};

/** `--tcp host:port` (port 0: any free one); an IPv6 host in brackets. */
function parseListen(text: string): { host: string; port: number } {
  const at = parseHostPort(text);
  if (!at) throw new WxError('INPUT_INVALID', { field: '--tcp', detail: text, allowed: '<host>:<port>, e.g. 127.0.0.1:7000 (port 0: any free port)' });
  return at;
}

/** The TCP unit port in the pty pair's shape: the unit's Link, and a close. */
async function tcpPort(at: { host: string; port: number }) {
  try {
    const p = await serveUnitOnTcp(at);
    return { spec: p.spec, link: p.unit, close: () => p.close() };
  } catch (e) {
    throw new WxError('INPUT_INVALID', { field: '--tcp', detail: (e as Error).message, allowed: 'a local address and a free port' });
  }
}
