import { afterAll, beforeAll } from 'vitest';
import path from 'node:path';
import type { Link } from '../../main/core/serial/link.js';
import { openPtyPair } from '../../main/core/serial/pty.js';
import { startSimAdbServer, type SimAdbServer } from '../../main/core/sim/adb/index.js';
import { serveUnitOnTcp } from '../../main/core/sim/device/tcp-unit-port.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { freePort } from './free-port.js';
import { setupLine } from './line.js';

// The ways a unit reaches a station, for tests that run the same story over each: a serial
// port (a real pseudo-terminal through socat), a networked jig (TCP), and an Android unit
// behind an ADB server (the simulated one, relaying to a TCP unit). Each gives a slot's spec,
// known before the port exists, and a plug that makes the unit's end appear and vanish.

export const TRANSPORTS = ['pty', 'tcp', 'adb'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** A port as a fixture slot sees it: its spec, and the unit's end while it is plugged. */
export interface PortPlug {
  readonly spec: string;
  plug(): Promise<PluggedPort>;
}

export interface PluggedPort {
  /** The unit's end. */
  link: Link;
  /** A station holds the port now (tcp and adb: its connection is open; a pty cannot tell). */
  held?: () => boolean;
  close(): Promise<void>;
}

/** The devices an ADB server shows: what the adb transport plugs and unplugs. */
export interface AdbDevices {
  addDevice(d: { serial: string; usb?: string; model?: string; unit?: { host: string; port: number } }): void;
  removeDevice(serial: string): void;
}

let adbSeq = 0;

export async function portPlug(transport: Transport, dir: string, name: string, adb?: AdbDevices): Promise<PortPlug> {
  if (transport === 'pty') {
    const p = path.join(dir, name);
    return { spec: p, plug: async () => openPtyPair(p) };
  }
  const port = await freePort();
  if (transport === 'tcp') {
    return { spec: `tcp:127.0.0.1:${port}`, plug: async () => tcpEnd(port) };
  }
  if (!adb) throw new Error('the adb transport needs a simulated ADB server');
  const serial = `SIM${String(++adbSeq).padStart(4, '0')}${name.replace(/[^A-Za-z0-9]/g, '').slice(0, 8).toUpperCase()}`;
  return {
    spec: `adb:${serial}`,
    plug: async () => {
      const end = await tcpEnd(0);
      adb.addDevice({ serial, usb: `1-${adbSeq}`, model: 'SimPad', unit: { host: '127.0.0.1', port: end.port } });
      return {
        link: end.link,
        held: end.held,
        close: async () => {
          adb.removeDevice(serial);
          await end.close();
        },
      };
    },
  };
}

async function tcpEnd(port: number) {
  const u = await serveUnitOnTcp({ host: '127.0.0.1', port });
  return { link: u.unit, port: u.port, held: () => u.connected, close: () => u.close() };
}

/**
 * The world a line test over every transport needs, started once per file: the WeChat
 * simulator and a simulated ADB server. `line()` sets up a fresh station (setupLine) whose
 * environment names that ADB server — always: with adb's variables unset a station would look
 * for a real one on 5037.
 */
export function transportWorld() {
  let sim: WechatSim | undefined;
  let adb: SimAdbServer | undefined;
  beforeAll(async () => {
    sim = await startWechatSim();
    adb = await startSimAdbServer();
  });
  afterAll(async () => {
    await adb?.close();
    await sim?.close();
  });
  return {
    get sim(): WechatSim {
      return sim!;
    },
    get adb(): SimAdbServer {
      return adb!;
    },
    async line(): Promise<{ env: NodeJS.ProcessEnv; pid: number }> {
      const { env, pid } = await setupLine(sim!);
      return { env: { ...env, ANDROID_ADB_SERVER_ADDRESS: '127.0.0.1', ANDROID_ADB_SERVER_PORT: String(adb!.port) }, pid };
    },
  };
}

export { freePort };
