import type net from 'node:net';
import { WxError } from '../errors/wx-error.js';
import type { Link } from './link.js';

/**
 * A connected stream as a Link (a jig's TCP connection, an ADB service's stream): the far end
 * closing or resetting it is PORT_VANISHED, once; our own close is no error. The socket may
 * come paused with bytes already in it (an ADB service's first answer): they wait for the
 * first listener, as a serial port's receive buffer would hold them.
 */
export function socketLink(spec: string, socket: net.Socket): Link {
  const dataCbs = new Set<(chunk: Buffer) => void>();
  const closeCbs = new Set<(err?: Error) => void>();
  let early: Buffer[] | null = [];
  let flushing = false;
  let closed = false;
  let ours = false;
  const fireClose = (err?: Error) => {
    if (closed) return;
    closed = true;
    const why = ours ? undefined : new WxError('PORT_VANISHED', { port: spec }, err ? { cause: err } : undefined);
    for (const cb of [...closeCbs]) cb(why);
  };
  socket.on('data', (chunk: Buffer) => {
    if (early) early.push(chunk);
    else for (const cb of [...dataCbs]) cb(chunk);
  });
  // Keepalive: a jig whose cable is pulled sends no FIN; the OS probes the idle connection.
  socket.setKeepAlive(true, 5000);
  socket.on('error', (e) => fireClose(e));
  socket.on('end', () => socket.end());
  socket.on('close', () => fireClose());
  socket.resume();
  return {
    path: spec,
    write: (data) =>
      new Promise((resolve, reject) => {
        if (closed || socket.destroyed) return reject(new WxError('PORT_VANISHED', { port: spec }));
        socket.write(Buffer.from(data, 'latin1'), (e) => (e ? reject(new WxError('PORT_VANISHED', { port: spec }, { cause: e })) : resolve()));
      }),
    onData(cb) {
      dataCbs.add(cb);
      if (early && !flushing) {
        flushing = true;
        // Later, not inside the subscribe call; chunks arriving meanwhile join the queue, in order.
        setImmediate(() => {
          const held = early ?? [];
          early = null;
          for (const c of held) for (const d of [...dataCbs]) d(c);
        });
      }
      return () => void dataCbs.delete(cb);
    },
    onClose(cb) {
      closeCbs.add(cb);
      return () => void closeCbs.delete(cb);
    },
    close: () =>
      new Promise<void>((resolve) => {
        ours = true;
        if (socket.destroyed) {
          fireClose();
          return resolve();
        }
        socket.once('close', () => resolve());
        socket.destroy();
      }),
  };
}
