import { WxError } from '../../errors/wx-error.js';
import { parseHostPort } from '../../serial/tcp-link.js';
import { startSimAdbServer, type SimAdbDeviceSpec } from '../../sim/adb/index.js';
import { optInt } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';

const USAGE = 'wxprov sim adb [--port <n>] [--device <serial>=<unit host:port>[,usb=<path>][,model=<m>][,state=device|unauthorized|offline]]... [--json]';

const DEVICE_ALLOWED = '<serial>=<host:port of a `wxprov sim device --tcp` unit>, then optional ,usb=<path> ,model=<name> ,state=device|unauthorized|offline';

/** `SERIAL=127.0.0.1:7001,usb=1-1.2,model=Pad` → the simulated ADB server's device. */
export function parseSimAdbDevice(text: string): SimAdbDeviceSpec {
  const [head, ...opts] = text.split(',');
  const eq = head.indexOf('=');
  const serial = head.slice(0, eq);
  const unit = eq > 0 ? parseHostPort(head.slice(eq + 1)) : undefined;
  if (!unit || unit.port < 1 || !/^[A-Za-z0-9._:-]{1,64}$/.test(serial)) throw new WxError('INPUT_INVALID', { field: '--device', detail: text, allowed: DEVICE_ALLOWED });
  const d: SimAdbDeviceSpec = { serial, unit };
  for (const o of opts) {
    const [k, v] = o.split('=', 2);
    if (k === 'usb' && v && /^[0-9][0-9.-]*$/.test(v)) d.usb = v;
    else if (k === 'model' && v && /^[\w.-]{1,64}$/.test(v)) d.model = v;
    else if (k === 'state' && (v === 'device' || v === 'unauthorized' || v === 'offline')) d.state = v;
    else throw new WxError('INPUT_INVALID', { field: '--device', detail: text, allowed: DEVICE_ALLOWED });
  }
  return d;
}

/**
 * A simulated ADB server on 127.0.0.1: its devices' `localabstract:wmpf-wxp` reach simulated
 * units served on TCP (`wxprov sim device --tcp`), so a station's `adb:<serial>` and
 * `adbusb:<path>` slots, `wxprov ports` and Debian's own `adb` client can be tried with no
 * phone. Point them at it with ANDROID_ADB_SERVER_PORT (and ANDROID_ADB_SERVER_ADDRESS=127.0.0.1).
 */
export const simAdbCommand: Command = {
  path: ['sim', 'adb'],
  usage: USAGE,
  summary: 'Run a simulated ADB server on 127.0.0.1 whose devices relay to simulated TCP units (prints its port first)',
  options: { ...JSON_OPT, port: { type: 'string' }, device: { type: 'string', multiple: true } },
  async run(v, _p, io) {
    const port = optInt(v, 'port', 0, 65535) ?? 0;
    const devices = ((v.device as string[] | undefined) ?? []).map(parseSimAdbDevice);
    const server = await startSimAdbServer({ host: '127.0.0.1', port }).catch((e: unknown) => {
      throw new WxError('INPUT_INVALID', { field: '--port', detail: (e as Error).message, allowed: 'a free port (0: any)' });
    });
    for (const d of devices) server.addDevice(d);
    // The port is the first line on purpose: scripts read it with `head -1`.
    if (v.json) io.stdout.write(JSON.stringify({ host: server.host, port: server.port, devices: server.devices().map((d) => ({ serial: d.serial, state: d.state ?? 'device', usb: d.usb ?? null, model: d.model ?? null })) }) + '\n');
    else {
      io.stdout.write(`${server.port}\n`);
      io.stdout.write(
        [
          `Simulated ADB server on ${server.host}:${server.port} with ${devices.length} device(s) (Ctrl-C to stop). Use it with:`,
          `  export ANDROID_ADB_SERVER_ADDRESS=${server.host} ANDROID_ADB_SERVER_PORT=${server.port}`,
          ...devices.map((d) => `  slot adb:${d.serial}${d.usb ? ` or adbusb:${d.usb}` : ''} → unit at ${d.unit!.host}:${d.unit!.port}`),
          '',
        ].join('\n'),
      );
    }
    await io.interrupted;
    await server.close();
  },
};
