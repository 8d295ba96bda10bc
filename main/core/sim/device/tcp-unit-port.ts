import net from 'node:net';
import type { Link } from '../../serial/link.js';

/**
 * A simulated unit served on TCP, as a networked jig (or an Android agent behind ADB) serves
 * its unit: the unit's end (`unit`, the Link a SimDevice or SimFixture runs on) lives as long
 * as the server, as a unit stays powered on its fixture; stations connect and disconnect like
 * a serial port being opened and closed. One station at a time: a new connection replaces the
 * one before (a station restarted after a kill, whose old socket the OS has not reaped yet,
 * must not find the unit held). Bytes the unit sends with nobody connected are lost, as on a
 * UART nobody listens to.
 */
export interface TcpUnitPort {
  /** `tcp:<host>:<port>`: what a station's slot names. */
  readonly spec: string;
  readonly host: string;
  readonly port: number;
  readonly unit: Link;
  /** Connections taken so far (tests: a station reconnecting). */
  readonly connections: number;
  /** A station is connected now. */
  readonly connected: boolean;
  /** Drops the connection now (a cable pulled, a jig rebooting); the next one is served again. */
  drop(): void;
  close(): Promise<void>;
}

export async function serveUnitOnTcp(o: { host?: string; port?: number } = {}): Promise<TcpUnitPort> {
  const dataCbs = new Set<(chunk: Buffer) => void>();
  const closeCbs = new Set<(err?: Error) => void>();
  let current: net.Socket | undefined;
  let count = 0;
  let closed = false;
  const server = net.createServer({ noDelay: true }, (socket) => {
    count++;
    current?.destroy();
    current = socket;
    socket.on('data', (chunk) => {
      if (current === socket) for (const cb of [...dataCbs]) cb(chunk);
    });
    socket.on('error', () => {}); // a station killed mid-exchange resets the connection: only that one ends
    socket.on('close', () => {
      if (current === socket) current = undefined;
    });
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => (server.off('error', reject), resolve()));
  });
  const port = (server.address() as net.AddressInfo).port;
  const spec = `tcp:${host.includes(':') ? `[${host}]` : host}:${port}`;
  const unit: Link = {
    path: spec,
    write: (data) =>
      new Promise((resolve) => {
        const s = current;
        if (closed || !s || s.destroyed) return resolve();
        s.write(data, 'latin1', () => resolve());
      }),
    onData(cb) {
      dataCbs.add(cb);
      return () => void dataCbs.delete(cb);
    },
    onClose(cb) {
      closeCbs.add(cb);
      return () => void closeCbs.delete(cb);
    },
    close: () => close(),
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    current?.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const cb of [...closeCbs]) cb();
  };
  return {
    spec,
    host,
    port,
    unit,
    get connections() {
      return count;
    },
    get connected() {
      return current !== undefined && !current.destroyed;
    },
    drop: () => current?.destroy(),
    close,
  };
}
