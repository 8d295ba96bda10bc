import net from 'node:net';
import { WxError } from '../errors/wx-error.js';
import type { Link } from './link.js';
import { socketLink } from './socket-link.js';

/** `<host>:<port>`, host a name, an IPv4 address or a bracketed IPv6 one (`[::1]:4000`); port 0-65535. */
export function parseHostPort(text: string): TcpTarget | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export const isTcpSpec = (spec: string): boolean => spec.startsWith('tcp:');

export interface TcpTarget {
  host: string;
  port: number;
}

/** The host and port a `tcp:<host>:<port>` slot names; a malformed one is the engineer's typo, said as such. */
export function parseTcpSpec(spec: string): TcpTarget {
  const at = isTcpSpec(spec) ? parseHostPort(spec.slice(4)) : undefined;
  if (!at || at.port < 1) {
    throw new WxError('INPUT_INVALID', { field: 'port', detail: spec, allowed: 'tcp:<host>:<port 1-65535>, e.g. tcp:192.168.1.20:7000 or tcp:[::1]:7000' });
  }
  return at;
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
