import net from 'node:net';
import { SocketReader } from '../../adb/protocol.js';
import { deviceService } from './device-services.js';
import { SimForwards } from './forwards.js';
import { hostService, type Conn } from './host-services.js';
import { SimAdbWorld, type SimAdbDeviceSpec, type SimAdbState } from './world.js';

export type { SimAdbDeviceSpec, SimAdbState } from './world.js';
export { SIM_ADB_VERSION } from './host-services.js';

export interface SimAdbServer {
  host: string;
  port: number;
  addDevice(d: SimAdbDeviceSpec): void;
  removeDevice(serial: string): void;
  setState(serial: string, state: SimAdbState): void;
  devices(): SimAdbDeviceSpec[];
  close(): Promise<void>;
}

/**
 * A simulated ADB server: the host protocol over real TCP, enough of it for the station's own
 * client and for Debian's `adb` command (devices, shell getprop, forwards). Each device's
 * `localabstract:wmpf-wxp` is a TCP connection to a simulated WXP/1 unit, so the station's
 * ADB path runs end to end with no phone, no adb binary, on any OS.
 */
export interface SimAdbOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where requests the sim does not simulate are reported (and, with trace, every request). */
  log?: (line: string) => void;
  trace?: boolean;
}

export async function startSimAdbServer(o: SimAdbOptions = {}): Promise<SimAdbServer> {
  const host = o.host ?? '127.0.0.1';
  const world = new SimAdbWorld(host);
  const forwards = new SimForwards(world);
  world.onDrop = (serial) => forwards.dropFor(serial);
  const log = o.log ?? (() => {});
  let closing: Promise<void> | undefined;

  const server = net.createServer((socket) => void serve(socket));

  async function serve(socket: net.Socket): Promise<void> {
    world.sockets.add(socket);
    socket.on('close', () => world.sockets.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    const reader = new SocketReader(socket);
    const conn: Conn = { socket, world, forwards, kill: () => void close(), log };
    try {
      for (;;) {
        const req = (await reader.readFrame()).toString('utf8');
        if (o.trace) log(`sim adb: request ${JSON.stringify(req)}${conn.transport ? ` on ${conn.transport.serial}` : ''}`);
        // A host request may follow a switch to a device (adb 29 sends `host:forward:…` so): it is about that device.
        const outcome = conn.transport && !req.startsWith('host') ? await deviceService(conn, req, conn.transport, reader) : await hostService(conn, req);
        if (outcome === 'next') continue;
        if (outcome === 'done') socket.end();
        return;
      }
    } catch {
      socket.destroy();
    }
  }

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      forwards.removeAll();
      for (const d of world.devices.values()) for (const s of d.streams) s.destroy();
      for (const s of world.sockets) s.destroy();
      server.close(() => resolve());
    });
    return closing;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    host,
    port,
    addDevice: (d) => world.add(d),
    removeDevice: (serial) => world.remove(serial),
    setState: (serial, state) => world.setState(serial, state),
    devices: () => [...world.devices.values()].map(({ streams: _s, transportId: _t, ...spec }) => ({ ...spec })),
    close,
  };
}
