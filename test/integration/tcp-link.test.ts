import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isWxError } from '../../main/core/errors/wx-error.js';
import type { Link } from '../../main/core/serial/link.js';
import { openLink } from '../../main/core/serial/open-link.js';
import { openTcpLink, parseTcpSpec } from '../../main/core/serial/tcp-link.js';
import { serveUnitOnTcp, type TcpUnitPort } from '../../main/core/sim/device/tcp-unit-port.js';
import { until } from '../helpers/station.js';
import { freePort } from '../helpers/transports.js';

// WXP/1 over TCP (a networked jig) on real loopback sockets: the spec, the errors a slot shows
// (the same codes as a serial port's), and the simulated unit's end that outlives connections.

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => {});
});

async function unitPort(): Promise<TcpUnitPort> {
  const u = await serveUnitOnTcp();
  closers.push(() => u.close());
  return u;
}

async function open(spec: string): Promise<Link> {
  const l = await openTcpLink(spec);
  closers.push(() => l.close());
  return l;
}

describe('tcp: specs', () => {
  it('takes a name, an IPv4 address or a bracketed IPv6 one, with a port 1-65535', () => {
    expect(parseTcpSpec('tcp:192.168.1.20:7000')).toEqual({ host: '192.168.1.20', port: 7000 });
    expect(parseTcpSpec('tcp:jig-3.line.local:1')).toEqual({ host: 'jig-3.line.local', port: 1 });
    expect(parseTcpSpec('tcp:[::1]:65535')).toEqual({ host: '::1', port: 65535 });
  });

  it.each(['tcp:', 'tcp:host', 'tcp:host:', 'tcp:host:0', 'tcp:host:65536', 'tcp:host:70000', 'tcp::1:80', 'tcp:a b:80', 'tcp:host:80x'])('refuses %j naming the field and the form', (spec) => {
    let e: unknown;
    try {
      parseTcpSpec(spec);
    } catch (x) {
      e = x;
    }
    expect(e).toMatchObject({ code: 'INPUT_INVALID', params: { field: 'port', detail: spec } });
    expect(String((e as { params: { allowed: string } }).params.allowed)).toMatch(/tcp:<host>:<port 1-65535>/);
  });
});

describe('openTcpLink', () => {
  it('exchanges bytes both ways with the unit, and the unit end stays when the station reconnects', async () => {
    const u = await unitPort();
    const heard: string[] = [];
    u.unit.onData((c) => heard.push(c.toString('latin1')));
    const first = await open(u.spec);
    let got = '';
    first.onData((c) => (got += c.toString('latin1')));
    await first.write('HELLO *0000\n');
    await until(() => heard.join('') === 'HELLO *0000\n', 3000, 'the unit hearing it');
    await u.unit.write('OK HELLO *1111\n');
    await until(() => got === 'OK HELLO *1111\n', 3000, 'the station hearing the answer');
    await first.close();
    await until(() => !u.connected, 3000, 'the connection closed');

    const second = await open(u.spec);
    let again = '';
    second.onData((c) => (again += c.toString('latin1')));
    await u.unit.write('EVENT BOOT *2222\n');
    await until(() => again === 'EVENT BOOT *2222\n', 3000, 'the second connection hearing the unit');
    expect(u.connections).toBe(2);
  });

  it('a new connection replaces the old one (a station restarted after a kill finds the unit free)', async () => {
    const u = await unitPort();
    const old = await open(u.spec);
    const why = new Promise<Error | undefined>((r) => old.onClose(r));
    await open(u.spec);
    const e = await why;
    expect(isWxError(e) && e.code).toBe('PORT_VANISHED');
  });

  it('nothing listening is PORT_NOT_FOUND naming the slot, as a missing adapter is', async () => {
    const spec = `tcp:127.0.0.1:${await freePort()}`;
    const e = await openTcpLink(spec).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'PORT_NOT_FOUND', params: { port: spec } });
    expect((e as Error).message).toContain(spec);
  });

  it('a jig name that does not resolve is PORT_NOT_FOUND', async () => {
    const e = await openTcpLink('tcp:no-such-jig.invalid:7000', { connectTimeoutMs: 2000 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'PORT_NOT_FOUND', params: { port: 'tcp:no-such-jig.invalid:7000' } });
  });

  it('the jig going away mid-session closes the link with PORT_VANISHED, and writes after it fail the same way', async () => {
    const u = await unitPort();
    const link = await open(u.spec);
    const why = new Promise<Error | undefined>((r) => link.onClose(r));
    u.drop();
    const e = await why;
    expect(isWxError(e) && e.code).toBe('PORT_VANISHED');
    await expect(link.write('HELLO *0000\n')).rejects.toMatchObject({ code: 'PORT_VANISHED' });
  });

  it('a connection reset by the far end is PORT_VANISHED too', async () => {
    const server = net.createServer((s) => setTimeout(() => s.resetAndDestroy(), 50));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => server.close(r)));
    const spec = `tcp:127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const link = await open(spec);
    const e = await new Promise<Error | undefined>((r) => link.onClose(r));
    expect(isWxError(e) && e.code).toBe('PORT_VANISHED');
  });

  it('closing it ourselves fires onClose once, without an error', async () => {
    const u = await unitPort();
    const link = await openTcpLink(u.spec);
    const calls: (Error | undefined)[] = [];
    link.onClose((e) => calls.push(e));
    await link.close();
    await link.close();
    expect(calls).toEqual([undefined]);
  });
});

describe('openLink picks the transport from the spec', () => {
  it('tcp: goes to the jig; a serial path that is not there is still PORT_NOT_FOUND', async () => {
    const u = await unitPort();
    const link = await openLink(u.spec, 115200);
    closers.push(() => link.close());
    expect(link.path).toBe(u.spec);
    await until(() => u.connected, 3000, 'connected');
    await expect(openLink('/dev/ttyUSB-not-there', 115200)).rejects.toMatchObject({ code: 'PORT_NOT_FOUND' });
  });

  it('adb: goes to the ADB server the environment names; none there is ADB_SERVER_UNREACHABLE', async () => {
    const port = await freePort();
    const e = await openLink('adb:NOSUCH', 115200, { ANDROID_ADB_SERVER_ADDRESS: '127.0.0.1', ANDROID_ADB_SERVER_PORT: String(port) }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ADB_SERVER_UNREACHABLE' });
  });
});
