import type net from 'node:net';
import { encodeFrame, fail, okay } from '../../adb/protocol.js';
import { acquire, parseHostRequest, type Target } from './acquire.js';
import type { SimForwards } from './forwards.js';
import { listing, type SimAdbDevice, type SimAdbWorld } from './world.js';

/** adb 1.0.41's server version: the real client kills a server answering anything else. */
export const SIM_ADB_VERSION = 41;

export interface Conn {
  socket: net.Socket;
  world: SimAdbWorld;
  forwards: SimForwards;
  /** Set by `host:transport…`: the rest of the connection talks to this device. */
  transport?: SimAdbDevice;
  kill: () => void;
  log: (line: string) => void;
}

/** `next`: read another request; `done`: answered, close; `taken`: the socket is a stream now. */
export type Outcome = 'next' | 'done' | 'taken';

const reply = (socket: net.Socket, payload: string) => socket.write(Buffer.concat([okay(), encodeFrame(payload)]));

const transportId = (id: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(id));
  return b;
};

/** The `transport…` / `tport:…` command's target, or undefined when it is not one. */
function transportTarget(cmd: string): { target: Target; tport: boolean } | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^transport:(.+)$/s.exec(cmd))) return { target: { by: 'serial', serial: m[1] }, tport: false };
  if ((m = /^transport-id:(\d+)$/.exec(cmd))) return { target: { by: 'id', id: Number(m[1]) }, tport: false };
  if ((m = /^transport-(any|usb|local)$/.exec(cmd))) return { target: { by: m[1] as 'any' | 'usb' | 'local' }, tport: false };
  if ((m = /^tport:serial:(.+)$/s.exec(cmd))) return { target: { by: 'serial', serial: m[1] }, tport: true };
  if ((m = /^tport:(any|usb|local)$/.exec(cmd))) return { target: { by: m[1] as 'any' | 'usb' | 'local' }, tport: true };
  return undefined;
}

export async function hostService(conn: Conn, req: string): Promise<Outcome> {
  const { socket, world, forwards } = conn;
  const parsed = parseHostRequest(world, req);
  if (!parsed) {
    conn.log(`sim adb: unknown request: ${req}`);
    socket.write(fail(`unknown host service '${req}'`));
    return 'done';
  }
  const { command } = parsed;
  const target: Target = parsed.target.by === 'any' && conn.transport ? { by: 'serial', serial: conn.transport.serial } : parsed.target;
  const device = (anyState = false): SimAdbDevice | undefined => {
    const d = acquire(world, target, anyState);
    if (typeof d === 'string') {
      socket.write(fail(d));
      return undefined;
    }
    return d;
  };

  switch (command) {
    case 'version':
      reply(socket, SIM_ADB_VERSION.toString(16).padStart(4, '0'));
      return 'done';
    case 'kill':
      socket.write(okay());
      conn.kill();
      return 'done';
    case 'devices':
    case 'devices-l':
      reply(socket, listing(world.devices.values(), command === 'devices-l'));
      return 'done';
    case 'track-devices':
    case 'track-devices-l': {
      const tracker = { socket, long: command === 'track-devices-l' };
      reply(socket, listing(world.devices.values(), tracker.long));
      world.trackers.add(tracker);
      socket.on('close', () => world.trackers.delete(tracker));
      return 'taken';
    }
    // No features at all: the real client then uses the legacy `shell:` service.
    case 'features': {
      if (!device()) return 'done';
      reply(socket, '');
      return 'done';
    }
    case 'host-features':
      reply(socket, '');
      return 'done';
    case 'get-state':
    case 'get-serialno':
    case 'get-devpath': {
      const d = device(true);
      if (!d) return 'done';
      reply(socket, command === 'get-state' ? d.state : command === 'get-serialno' ? d.serial : d.usb ? `usb:${d.usb}` : 'unknown');
      return 'done';
    }
    case 'list-forward':
      reply(socket, forwards.list());
      return 'done';
    case 'killforward-all':
      forwards.removeAll();
      socket.write(Buffer.concat([okay(), okay()]));
      return 'done';
  }

  const tt = transportTarget(command);
  if (tt) {
    const d = acquire(world, tt.target);
    if (typeof d === 'string') {
      socket.write(fail(d));
      return 'done';
    }
    conn.transport = d;
    socket.write(tt.tport ? Buffer.concat([okay(), transportId(d.transportId)]) : okay());
    return 'next';
  }

  let m: RegExpExecArray | null;
  if ((m = /^killforward:(.+)$/s.exec(command))) {
    // The first OKAY is "connected to the device", the second the command's own, as adb answers.
    if (!device()) return 'done';
    socket.write(forwards.remove(m[1]) ? Buffer.concat([okay(), okay()]) : fail(`listener '${m[1]}' not found`));
    return 'done';
  }
  if ((m = /^forward:(norebind:)?([^;]+);(.+)$/s.exec(command))) {
    const d = device();
    if (!d) return 'done';
    const port = await forwards.install(d, m[2], m[3], Boolean(m[1]));
    if (typeof port === 'string') socket.write(fail(port));
    // Only a port the server chose (tcp:0) is said back.
    else socket.write(Buffer.concat([okay(), okay(), m[2] === 'tcp:0' ? encodeFrame(String(port)) : Buffer.alloc(0)]));
    return 'done';
  }

  conn.log(`sim adb: unknown request: ${req}`);
  socket.write(fail(`unknown host service '${command}'`));
  return 'done';
}
