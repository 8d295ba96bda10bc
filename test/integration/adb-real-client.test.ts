import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimAdbServer, type SimAdbServer } from '../../main/core/sim/adb/index.js';
import { until } from '../helpers/station.js';
import { tmpDir } from '../helpers/tmp.js';

// Debian's real `adb` client against the simulated server: if adb accepts the sim, the sim
// speaks the protocol the station will meet on a real ADB server, not only our own idea of it.

const ADB = '/usr/bin/adb';
const hasAdb = fs.existsSync(ADB);
const inCi = process.env.CI === 'true';

let sim: SimAdbServer;
let unit: net.Server;
let unitAddr: { host: string; port: number };
const unitConns = new Set<net.Socket>();
let home: string;

/**
 * One adb command with the sim's address ALWAYS set: with no server there, adb would start a
 * real one (on the default port if unset). Killed if it outlives its timeout.
 */
async function adb(args: string[], timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(ADB, args, {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      ANDROID_ADB_SERVER_ADDRESS: '127.0.0.1',
      ANDROID_ADB_SERVER_PORT: String(sim.port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    if (code === null) throw new Error(`adb ${args.join(' ')} did not finish within ${timeoutMs} ms (stderr: ${stderr})`);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

beforeAll(() => {
  if (!hasAdb && inCi) throw new Error(`${ADB} is missing: apt-get install adb`);
});

describe.skipIf(!hasAdb && !inCi)('the real adb client against the simulated ADB server', () => {
  beforeEach(async () => {
    home = tmpDir('wxprov-adb-home-');
    unit = net.createServer((c) => {
      unitConns.add(c);
      c.on('close', () => unitConns.delete(c));
      c.on('error', () => {});
      c.pipe(c);
    });
    await new Promise<void>((r) => unit.listen(0, '127.0.0.1', () => r()));
    unitAddr = { host: '127.0.0.1', port: (unit.address() as net.AddressInfo).port };
    sim = await startSimAdbServer();
    sim.addDevice({ serial: 'SIM001', usb: '1-1.2', model: 'WMPF_Box', product: 'wmpfbox', device: 'box', unit: unitAddr });
    sim.addDevice({ serial: 'SIM002', state: 'unauthorized', usb: '1-1.3' });
    sim.addDevice({ serial: 'SIM003', state: 'offline', usb: '1-1.4' });
  });

  afterEach(async () => {
    await sim.close();
    for (const c of unitConns) c.destroy();
    await new Promise((r) => unit.close(r));
  });

  it('adb devices -l lists the devices with their states, USB paths and models', async () => {
    const r = await adb(['devices', '-l']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines[0]).toBe('List of devices attached');
    expect(lines[1]).toMatch(/^SIM001\s+device usb:1-1\.2 product:wmpfbox model:WMPF_Box device:box transport_id:\d+$/);
    expect(lines[2]).toMatch(/^SIM002\s+unauthorized usb:1-1\.3 transport_id:\d+$/);
    expect(lines[3]).toMatch(/^SIM003\s+offline usb:1-1\.4 transport_id:\d+$/);
    expect(lines).toHaveLength(4);
  });

  it('adb shell getprop prints the model, and an unauthorized device is refused as adb words it', async () => {
    const r = await adb(['-s', 'SIM001', 'shell', 'getprop', 'ro.product.model']);
    expect([r.code, r.stdout]).toEqual([0, 'WMPF_Box\n']);
    const serial = await adb(['-s', 'SIM001', 'shell', 'getprop', 'ro.serialno']);
    expect(serial.stdout).toBe('SIM001\n');
    const refused = await adb(['-s', 'SIM002', 'shell', 'getprop', 'ro.product.model']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('device unauthorized');
  });

  it('adb forward tcp:0 to the agent: a port, bytes both ways, listed, then removed', async () => {
    const f = await adb(['-s', 'SIM001', 'forward', 'tcp:0', 'localabstract:wmpf-wxp']);
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/^\d+\n$/);
    const port = Number(f.stdout.trim());

    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => {});
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString('latin1')));
    try {
      c.write('HELLO *49D6\n');
      await until(() => got === 'HELLO *49D6\n', 3000, 'the echo through the forward');
    } finally {
      c.destroy();
    }

    const list = await adb(['forward', '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`SIM001 tcp:${port} localabstract:wmpf-wxp`);

    const rm = await adb(['-s', 'SIM001', 'forward', '--remove', `tcp:${port}`]);
    expect([rm.code, rm.stderr]).toEqual([0, '']);
    expect((await adb(['forward', '--list'])).stdout).not.toContain(`tcp:${port}`);
    // The listener is gone with it.
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve('connected')));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('adb forward to a device whose agent is not listening still binds, and the connection is dropped', async () => {
    sim.addDevice({ serial: 'SIM004', usb: '1-1.5' });
    const f = await adb(['-s', 'SIM004', 'forward', 'tcp:0', 'localabstract:wmpf-wxp']);
    expect(f.code).toBe(0);
    const port = Number(f.stdout.trim());
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.once('close', () => resolve(true));
    });
    expect(closed).toBe(true);
  });

  it('adb kill-server stops the sim (and nothing else is started in its place)', async () => {
    const r = await adb(['kill-server']);
    expect(r.code).toBe(0);
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(sim.port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve('connected')));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
