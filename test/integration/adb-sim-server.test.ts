import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAdbLink } from '../../main/core/adb/adb-link.js';
import { AdbClient, type AdbDevice } from '../../main/core/adb/client.js';
import { AdbFailError } from '../../main/core/adb/protocol.js';
import type { Link } from '../../main/core/serial/link.js';
import { startSimAdbServer, type SimAdbServer } from '../../main/core/sim/adb/index.js';
import { caught } from '../helpers/caught.js';
import { freePort } from '../helpers/free-port.js';
import { until } from '../helpers/station.js';

// The station's ADB client and Link against the simulated ADB server, over real loopback TCP.
// A small echo server stands in for a unit's WXP/1 agent: what the station writes comes back.

let sim: SimAdbServer;
let client: AdbClient;
let unit: net.Server;
let unitAddr: { host: string; port: number };
const unitConns = new Set<net.Socket>();
const links: Link[] = [];
const servers: net.Server[] = [];

const listen = async (s: net.Server): Promise<number> => {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as net.AddressInfo).port;
};

const open = async (spec: string): Promise<Link> => {
  const l = await openAdbLink(spec, { client });
  links.push(l);
  return l;
};

/** Writes a line and waits until it comes back whole from the echoing unit. */
const roundTrip = async (link: Link, line: string): Promise<string> => {
  let got = '';
  const off = link.onData((c) => (got += c.toString('latin1')));
  await link.write(line);
  await until(() => got.length >= Buffer.byteLength(line, 'latin1'), 3000, 'the echo');
  off();
  return got;
};

beforeEach(async () => {
  unit = net.createServer((c) => {
    unitConns.add(c);
    c.on('close', () => unitConns.delete(c));
    c.on('error', () => {});
    c.pipe(c);
  });
  unitAddr = { host: '127.0.0.1', port: await listen(unit) };
  sim = await startSimAdbServer();
  client = new AdbClient({ host: sim.host, port: sim.port });
});

afterEach(async () => {
  for (const l of links.splice(0)) await l.close();
  await sim.close();
  for (const c of unitConns) c.destroy();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('AdbClient against the simulated server', () => {
  it('reads the server version adb 1.0.41 expects', async () => {
    expect(await client.version()).toBe(41);
  });

  it('lists devices with their states, USB paths and names', async () => {
    sim.addDevice({ serial: 'SIM001', usb: '1-1.2', model: 'WMPF_Box', product: 'box', device: 'boxd', unit: unitAddr });
    sim.addDevice({ serial: 'SIM002', state: 'unauthorized', usb: '1-1.3', model: 'WMPF_Box' });
    sim.addDevice({ serial: 'SIM003', state: 'offline' });
    expect(await client.devices()).toEqual([
      { serial: 'SIM001', state: 'device', usb: '1-1.2', product: 'box', model: 'WMPF_Box', device: 'boxd', transport_id: 1 },
      // As on real adb: an unauthorized device has not told its names yet.
      { serial: 'SIM002', state: 'unauthorized', usb: '1-1.3', transport_id: 2 },
      { serial: 'SIM003', state: 'offline', transport_id: 3 },
    ]);
    sim.setState('SIM002', 'device');
    expect((await client.devices())[1]).toMatchObject({ state: 'device', model: 'WMPF_Box' });
  });

  it('tracks a device appearing, changing state and disappearing', async () => {
    const seen: AdbDevice[][] = [];
    const stop = new AbortController();
    const tracking = client.trackDevices((list) => seen.push(list), stop.signal);
    await until(() => seen.length === 1, 3000, 'the first listing');
    expect(seen[0]).toEqual([]);
    sim.addDevice({ serial: 'SIM001', state: 'unauthorized', usb: '1-1.2' });
    await until(() => seen.length === 2, 3000, 'the device appearing');
    expect(seen[1]).toMatchObject([{ serial: 'SIM001', state: 'unauthorized', usb: '1-1.2' }]);
    sim.setState('SIM001', 'device');
    await until(() => seen.length === 3, 3000, 'the state change');
    expect(seen[2][0].state).toBe('device');
    sim.removeDevice('SIM001');
    await until(() => seen.length === 4, 3000, 'the device going');
    expect(seen[3]).toEqual([]);
    stop.abort();
    await tracking;
  });

  it('ends tracking without an error when the server goes away', async () => {
    const seen: AdbDevice[][] = [];
    const tracking = client.trackDevices((list) => seen.push(list), new AbortController().signal);
    await until(() => seen.length === 1, 3000, 'the first listing');
    await sim.close();
    await expect(tracking).resolves.toBeUndefined();
  });

  it('runs a legacy shell command (getprop)', async () => {
    sim.addDevice({ serial: 'SIM001', model: 'WMPF_Box', product: 'box', device: 'boxd' });
    expect(await client.shell('SIM001', 'getprop ro.product.model')).toBe('WMPF_Box\n');
    expect(await client.shell('SIM001', 'getprop ro.serialno')).toBe('SIM001\n');
    expect(await client.shell('SIM001', 'getprop persist.nothing')).toBe('\n');
  });

  it('says which step refused a service: the device or the service on it', async () => {
    sim.addDevice({ serial: 'SIM001' });
    const noDevice = await client.openService('NOPE', 'localabstract:wmpf-wxp').catch((e) => e);
    expect(noDevice).toBeInstanceOf(AdbFailError);
    expect(noDevice).toMatchObject({ stage: 'transport', reply: "device 'NOPE' not found" });
    const noAgent = await client.openService('SIM001', 'localabstract:wmpf-wxp').catch((e) => e);
    expect(noAgent).toMatchObject({ stage: 'service', reply: 'closed' });
  });
});

describe('openAdbLink', () => {
  it('relays WXP/1 bytes to the unit over adb:<serial>, and bytes the unit sent first are not lost', async () => {
    sim.addDevice({ serial: 'SIM001', usb: '1-1.2', unit: unitAddr });
    const link = await open('adb:SIM001');
    expect(link.path).toBe('adb:SIM001');
    expect(await roundTrip(link, 'HELLO *49D6\n')).toBe('HELLO *49D6\n');
    // Latin-1 both ways, as on a serial line.
    expect(await roundTrip(link, 'caf\u00e9\n')).toBe('caf\u00e9\n');

    const banner = net.createServer((c) => {
      c.on('error', () => {});
      c.end('# boot banner\n');
    });
    sim.addDevice({ serial: 'SIM009', unit: { host: '127.0.0.1', port: await listen(banner) } });
    const early = await open('adb:SIM009');
    await new Promise((r) => setTimeout(r, 100));
    let got = '';
    early.onData((c) => (got += c.toString()));
    await until(() => got === '# boot banner\n', 3000, 'the banner');
  });

  it('finds the device by its USB port with adbusb:<path>, whichever device sits there', async () => {
    sim.addDevice({ serial: 'SIM001', usb: '1-1.2', unit: unitAddr });
    sim.addDevice({ serial: 'SIM002', usb: '1-1.3', unit: unitAddr });
    const link = await open('adbusb:1-1.3');
    expect(link.path).toBe('adbusb:1-1.3');
    expect(await roundTrip(link, 'READ *0000\n')).toBe('READ *0000\n');
    await link.close();
    sim.removeDevice('SIM002');
    sim.addDevice({ serial: 'SIM777', usb: '1-1.3', unit: unitAddr });
    expect(await roundTrip(await open('adbusb:1-1.3'), 'HELLO *49D6\n')).toBe('HELLO *49D6\n');
  });

  it('maps each refusal to what the operator does about it', async () => {
    sim.addDevice({ serial: 'SIM001', state: 'unauthorized', usb: '1-1.2', unit: unitAddr });
    sim.addDevice({ serial: 'SIM002', state: 'offline', unit: unitAddr });
    sim.addDevice({ serial: 'SIM003', unit: undefined });
    sim.addDevice({ serial: 'SIM004', unit: { host: '127.0.0.1', port: await freePort() } });

    const notFound = await caught(open('adb:NOPE'));
    expect([notFound.code, notFound.params]).toEqual(['PORT_NOT_FOUND', { port: 'adb:NOPE' }]);
    expect((await caught(open('adbusb:9-9'))).code).toBe('PORT_NOT_FOUND');

    const unauth = await caught(open('adbusb:1-1.2'));
    expect([unauth.code, unauth.params]).toEqual(['ADB_UNAUTHORIZED', { port: 'adbusb:1-1.2' }]);
    expect(unauth.toPayload().hint_zh).toContain('允许 USB 调试');

    const offline = await caught(open('adb:SIM002'));
    expect([offline.code, offline.params]).toEqual(['ADB_DEVICE_OFFLINE', { port: 'adb:SIM002', state: 'offline' }]);

    for (const spec of ['adb:SIM003', 'adb:SIM004']) {
      const agent = await caught(open(spec));
      expect([agent.code, agent.params]).toEqual(['ADB_AGENT_NOT_RUNNING', { port: spec }]);
    }
  });

  it('says the ADB server is unreachable when nothing listens, with its address', async () => {
    const port = await freePort();
    const e = await caught(openAdbLink('adb:SIM001', { env: { ANDROID_ADB_SERVER_ADDRESS: '127.0.0.1', ANDROID_ADB_SERVER_PORT: String(port) } }));
    expect([e.code, e.params]).toEqual(['ADB_SERVER_UNREACHABLE', { host: '127.0.0.1', port }]);
    expect(e.toPayload().engineer_en).toContain('adb start-server');
  });

  it('gives up on a server that accepts but never answers', async () => {
    // Reading (resume) lets the socket see the client go, so the listener can close afterwards.
    const silent = net.createServer((c) => void c.on('error', () => {}).resume());
    const port = await listen(silent);
    const slow = new AdbClient({ host: '127.0.0.1', port, answerTimeoutMs: 200 });
    const t0 = Date.now();
    const e = await caught(slow.devices());
    expect(e.code).toBe('ADB_SERVER_ERROR');
    expect(String(e.params.detail)).toContain('no answer within 200 ms');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('calls a server that does not speak adb a bad answer, not a hang', async () => {
    const http = net.createServer((c) => {
      c.on('error', () => {}).resume();
      c.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    const port = await listen(http);
    const e = await caught(openAdbLink('adb:SIM001', { client: new AdbClient({ host: '127.0.0.1', port }) }));
    expect(e.code).toBe('ADB_SERVER_ERROR');
    expect(String(e.params.detail)).toContain('HTTP');
  });

  it('takes the server address from the environment', async () => {
    sim.addDevice({ serial: 'SIM001', unit: unitAddr });
    const env = { ANDROID_ADB_SERVER_ADDRESS: 'localhost', ANDROID_ADB_SERVER_PORT: String(sim.port) };
    const link = await openAdbLink('adb:SIM001', { env });
    links.push(link);
    expect(await roundTrip(link, 'HELLO *49D6\n')).toBe('HELLO *49D6\n');
    const bad = await caught(openAdbLink('adb:SIM001', { env: { ANDROID_ADB_SERVER_PORT: '70000' } }));
    expect([bad.code, bad.params.field]).toEqual(['INPUT_INVALID', 'ANDROID_ADB_SERVER_PORT']);
  });

  it('closes with PORT_VANISHED, once, when the device is unplugged, goes offline, or the agent hangs up', async () => {
    sim.addDevice({ serial: 'SIM001', unit: unitAddr });
    sim.addDevice({ serial: 'SIM002', unit: unitAddr });
    sim.addDevice({ serial: 'SIM003', unit: unitAddr });
    const closes = new Map<string, (Error | undefined)[]>();
    for (const spec of ['adb:SIM001', 'adb:SIM002', 'adb:SIM003']) {
      const l = await open(spec);
      await roundTrip(l, 'HELLO *49D6\n');
      closes.set(spec, []);
      l.onClose((err) => closes.get(spec)!.push(err));
    }
    sim.removeDevice('SIM001');
    sim.setState('SIM002', 'offline');
    await until(() => closes.get('adb:SIM001')!.length > 0 && closes.get('adb:SIM002')!.length > 0, 3000, 'the links closing');
    expect(unitConns.size).toBe(1);
    for (const c of unitConns) c.destroy();
    await until(() => closes.get('adb:SIM003')!.length > 0, 3000, 'the agent hanging up');
    await new Promise((r) => setTimeout(r, 50));
    for (const [spec, errs] of closes) {
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatchObject({ code: 'PORT_VANISHED', params: { port: spec } });
    }
    const vanished = links[0];
    await expect(vanished.write('HELLO *49D6\n')).rejects.toMatchObject({ code: 'PORT_VANISHED' });
  });

  it('closing the link ourselves is no error, and the unit sees it go', async () => {
    sim.addDevice({ serial: 'SIM001', unit: unitAddr });
    const link = await open('adb:SIM001');
    await roundTrip(link, 'HELLO *49D6\n');
    const errs: (Error | undefined)[] = [];
    link.onClose((e) => errs.push(e));
    await link.close();
    await link.close();
    expect(errs).toEqual([undefined]);
    await until(() => unitConns.size === 0, 3000, 'the unit connection closing');
  });
});
