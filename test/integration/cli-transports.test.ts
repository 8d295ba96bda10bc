import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from '../helpers/cli.js';
import { startCli, type Child } from '../helpers/crash.js';
import { setupLine } from '../helpers/line.js';
import { until } from '../helpers/station.js';

// The CLI as an engineer uses it beyond the serial cable, every piece a real process on
// loopback: `wxprov sim device --tcp` (a networked jig's unit), `wxprov sim adb` (an ADB
// server whose devices relay to such units), `wxprov ports` listing the Android units with
// their states, and `wxprov flash` over `tcp:`, `adb:` and `adbusb:`.

let sim: WechatSim;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());

const firstLine = async (c: Child, what: string): Promise<string> => {
  await until(() => c.stdout().includes('\n') || c.done(), 30_000, what);
  expect(c.done(), `${what} exited: ${c.stderr()}`).toBe(false);
  return c.stdout().split('\n')[0];
};

describe('wxprov over TCP and ADB', () => {
  it('flashes a TCP jig unit and Android units by serial and by USB path; ports lists the ADB devices; an unauthorized one is refused with its own code', { timeout: 120_000 }, async () => {
    const { env, pid } = await setupLine(sim);
    const jig = startCli(['sim', 'device', '--tcp', '127.0.0.1:0', '--hwid', 'HWJIG1', '--commit-ms', '20'], {});
    const padA = startCli(['sim', 'device', '--tcp', '127.0.0.1:0', '--hwid', 'HWPADA', '--commit-ms', '20', '--json'], {});
    const padB = startCli(['sim', 'device', '--tcp', '127.0.0.1:0', '--hwid', 'HWPADB', '--commit-ms', '20'], {});
    const jigSpec = await firstLine(jig, 'the jig unit');
    expect(jigSpec).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
    const padASpec = JSON.parse(await firstLine(padA, 'pad A')).link as string;
    const padBSpec = await firstLine(padB, 'pad B');
    const hostPort = (spec: string) => spec.replace(/^tcp:/, '');

    const adb = startCli(
      [
        'sim', 'adb', '--port', '0', '--json',
        '--device', `PADA0001=${hostPort(padASpec)},usb=3-1.2,model=Pad_A`,
        '--device', `PADB0001=${hostPort(padBSpec)},usb=3-1.3,model=Pad_B`,
        '--device', `LOCKED01=${hostPort(padBSpec)},usb=3-1.4,state=unauthorized`,
      ],
      {},
    );
    const adbDoc = JSON.parse(await firstLine(adb, 'the ADB server'));
    expect(adbDoc.devices.map((d: { serial: string; state: string }) => `${d.serial} ${d.state}`)).toEqual(['PADA0001 device', 'PADB0001 device', 'LOCKED01 unauthorized']);
    // adb's own variables, as an engineer exports them.
    const adbEnv = { ...env, ANDROID_ADB_SERVER_ADDRESS: '127.0.0.1', ANDROID_ADB_SERVER_PORT: String(adbDoc.port) };

    // ── ports ───────────────────────────────────────────────────────────────
    const ports = await cli(['ports', '--json'], adbEnv);
    expect(ports.code, ports.stderr).toBe(0);
    expect(ports.json.adb.server).toBe(`127.0.0.1:${adbDoc.port}`);
    expect(ports.json.adb.devices).toEqual([
      { serial: 'PADA0001', state: 'device', usb: '3-1.2', model: 'Pad_A', port: 'adb:PADA0001', usb_port: 'adbusb:3-1.2' },
      { serial: 'PADB0001', state: 'device', usb: '3-1.3', model: 'Pad_B', port: 'adb:PADB0001', usb_port: 'adbusb:3-1.3' },
      { serial: 'LOCKED01', state: 'unauthorized', usb: '3-1.4', port: 'adb:LOCKED01', usb_port: 'adbusb:3-1.4' },
    ]);
    expect(ports.json.ports.filter((p: { source: string }) => p.source === 'adb').map((p: { path: string }) => p.path)).toEqual(['adb:PADA0001', 'adb:PADB0001', 'adb:LOCKED01']);
    const table = await cli(['ports'], adbEnv);
    expect(table.stdout).toMatch(/adbusb:3-1\.4\s+LOCKED01\s+unauthorized \(accept the USB debugging \(RSA key\) prompt on the device\)/);
    // No ADB server where the variables point: an empty list that says why, exit 0.
    const none = await cli(['ports', '--json'], { ...env, ANDROID_ADB_SERVER_ADDRESS: '127.0.0.1', ANDROID_ADB_SERVER_PORT: '1' });
    expect(none.code).toBe(0);
    expect(none.json.adb).toMatchObject({ devices: [], error: { code: 'ADB_SERVER_UNREACHABLE' } });

    // ── flash over each ─────────────────────────────────────────────────────
    const overTcp = await cli(['flash', '--port', jigSpec, '--product', String(pid), '--json'], adbEnv);
    expect(overTcp.json, overTcp.stderr).toMatchObject({ result: 'PASS', hwid: 'HWJIG1', port: jigSpec, device_id: 'LPL100001' });
    const bySerial = await cli(['flash', '--port', 'adb:PADA0001', '--product', String(pid), '--json'], adbEnv);
    expect(bySerial.json, bySerial.stderr).toMatchObject({ result: 'PASS', hwid: 'HWPADA', port: 'adb:PADA0001', device_id: 'LPL100002' });
    const byUsb = await cli(['flash', '--port', 'adbusb:3-1.3', '--product', String(pid), '--json'], adbEnv);
    expect(byUsb.json, byUsb.stderr).toMatchObject({ result: 'PASS', hwid: 'HWPADB', port: 'adbusb:3-1.3', device_id: 'LPL100003' });
    // Flashed again, each is EXISTING: the identity stayed on the unit behind the relay.
    expect((await cli(['flash', '--port', 'adbusb:3-1.2', '--product', String(pid), '--json'], adbEnv)).json).toMatchObject({ result: 'EXISTING', device_id: 'LPL100002' });

    const refused = await cli(['flash', '--port', 'adb:LOCKED01', '--product', String(pid), '--json'], adbEnv);
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatchObject({ code: 'ADB_UNAUTHORIZED' });
    const gone = await cli(['flash', '--port', 'adbusb:9-9', '--product', String(pid)], adbEnv);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error PORT_NOT_FOUND: Port adbusb:9-9 was not found/);

    const devices = await cli(['devices', 'search', '--product', String(pid), '--json'], adbEnv);
    expect(devices.json.rows.map((d: { device_id: string; status: string; hwid: string }) => `${d.device_id} ${d.status} ${d.hwid}`).sort()).toEqual([
      'LPL100001 verified HWJIG1',
      'LPL100002 verified HWPADA',
      'LPL100003 verified HWPADB',
    ]);
    for (const c of [adb, jig, padA, padB]) c.child.kill('SIGINT');
    await Promise.all([adb, jig, padA, padB].map((c) => c.exited));
  });

  it('refuses a malformed --tcp or --device, naming the flag and the form', async () => {
    const both = await cli(['sim', 'device', '--tcp', '127.0.0.1:0', '--link', '/tmp/x'], {});
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--link \| --tcp/);
    const bad = await cli(['sim', 'device', '--tcp', 'localhost'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--tcp.*<host>:<port>/);
    const { env, pid } = await setupLine(sim);
    // A slot's typo is said once, before any port is opened, not as a port lost at every retry.
    const station = await cli(['station', '--port', 'tcp:jig-1', '--port', 'adb:', '--product', String(pid), '--json'], env);
    expect(station.code).toBe(2);
    expect(station.json.error).toMatchObject({ code: 'INPUT_INVALID', params: { field: 'port', detail: 'tcp:jig-1' } });
    const dev = await cli(['sim', 'adb', '--device', 'SER=127.0.0.1:7,state=sleepy'], {});
    expect(dev.code).toBe(2);
    expect(dev.stderr).toMatch(/--device.*state=device\|unauthorized\|offline/);
  });
});
