import net from 'node:net';
import { WxError } from '../errors/wx-error.js';
import type { Link } from './link.js';

/** `tcp:<host>:<port>`, host a name, an IPv4 address or a bracketed IPv6 one (`tcp:[::1]:4000`). */
const TCP_SPEC_RE = /^tcp:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

export const isTcpSpec = (spec: string): boolean => spec.startsWith('tcp:');

export interface TcpTarget {
  host: string;
  port: number;
}

/** The host and port a `tcp:` slot names; a malformed one is the engineer's typo, said as such. */
export function parseTcpSpec(spec: string): TcpTarget {
  const m = TCP_SPEC_RE.exec(spec);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw new WxError('INPUT_INVALID', { field: 'port', detail: spec, allowed: 'tcp:<host>:<port 1-65535>, e.g. tcp:192.168.1.20:7000 or tcp:[::1]:7000' });
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** How long a jig that does not answer the connection may take: a slot is reopened after it, as a missing serial port is. */
export const TCP_CONNECT_TIMEOUT_MS = 3000;

/**
 * A connection that cannot be made is a port that is not there (the jig is off, unplugged from
 * the network, or its agent is not listening); one that breaks later is a port that went away.
 * So a networked jig reads to the operator exactly as a USB adapter does.
 */
function connectError(spec: string, e: NodeJS.ErrnoException): WxError {
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ETIMEDOUT|EADDRNOTAVAIL/.test(e.code ?? '')) return new WxError('PORT_NOT_FOUND', { port: spec }, { cause: e });
  if (/EACCES|EPERM/.test(e.code ?? '')) return new WxError('PORT_ACCESS_DENIED', { port: spec }, { cause: e });
  return new WxError('PORT_OPEN_FAILED', { port: spec, detail: e.message }, { cause: e });
}

/**
 * WXP/1 over a TCP stream: a networked test jig, or an agent reached through a forward. No
 * baud rate (an answer's timeout is the unit's allowance alone: station.ts `portTiming`); Nagle
 * off, since every exchange is one short line waiting for one short answer.
 */
export function openTcpLink(spec: string, o: { connectTimeoutMs?: number } = {}): Promise<Link> {
  const { host, port } = parseTcpSpec(spec);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new WxError('PORT_NOT_FOUND', { port: spec }, { cause: new Error(`no connection within ${o.connectTimeoutMs ?? TCP_CONNECT_TIMEOUT_MS} ms`) }));
    }, o.connectTimeoutMs ?? TCP_CONNECT_TIMEOUT_MS);
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(connectError(spec, e));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socketLink(spec, socket));
    });
  });
}

/** A connected socket as a Link: the far end closing or resetting it is PORT_VANISHED, once. */
export function socketLink(spec: string, socket: net.Socket): Link {
  const closeCbs = new Set<(err?: Error) => void>();
  let closed = false;
  let ours = false;
  const fireClose = (err?: Error) => {
    if (closed) return;
    closed = true;
    const why = ours ? undefined : new WxError('PORT_VANISHED', { port: spec }, err ? { cause: err } : undefined);
    for (const cb of [...closeCbs]) cb(why);
  };
  // Keepalive: a jig whose cable is pulled sends no FIN; the OS probes the idle connection.
  socket.setKeepAlive(true, 5000);
  socket.on('error', (e) => fireClose(e));
  socket.on('end', () => socket.end());
  socket.on('close', () => fireClose());
  return {
    path: spec,
    write: (data) =>
      new Promise((resolve, reject) => {
        if (closed || socket.destroyed) return reject(new WxError('PORT_VANISHED', { port: spec }));
        socket.write(data, 'latin1', (e) => (e ? reject(new WxError('PORT_VANISHED', { port: spec }, { cause: e })) : resolve()));
      }),
    onData(cb) {
      socket.on('data', cb);
      return () => void socket.off('data', cb);
    },
    onClose(cb) {
      closeCbs.add(cb);
      return () => void closeCbs.delete(cb);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.destroyed) return resolve();
        ours = true;
        socket.once('close', () => resolve());
        socket.destroy();
      }),
  };
}
