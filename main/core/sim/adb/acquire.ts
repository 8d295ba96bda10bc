import type { SimAdbDevice, SimAdbWorld } from './world.js';

/** Which device a request names: adb's `-s`, `-t`, `-d`, `-e` or none. */
export type Target = { by: 'serial'; serial: string } | { by: 'id'; id: number } | { by: 'usb' } | { by: 'local' } | { by: 'any' };

const UNAUTHORIZED =
  "device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set\nTry 'adb kill-server' if that seems wrong.\nOtherwise check for a confirmation dialog on your device.";

/** adb's acquire_one_transport: the device, or the FAIL message adb gives (same words, so tools matching them behave). */
export function acquire(world: SimAdbWorld, target: Target, anyState = false): SimAdbDevice | string {
  let found: SimAdbDevice | undefined;
  if (target.by === 'serial') {
    found = world.devices.get(target.serial);
    if (!found) return `device '${target.serial}' not found`;
  } else if (target.by === 'id') {
    found = world.byTransportId(target.id);
    if (!found) return `no device with transport id '${target.id}'`;
  } else {
    // Every sim device is a USB one: -e (local, emulators) finds none.
    const pool = target.by === 'local' ? [] : [...world.devices.values()].filter((d) => target.by === 'any' || d.usb !== undefined);
    if (pool.length === 0) return target.by === 'local' ? 'no emulators found' : 'no devices/emulators found';
    if (pool.length > 1) return target.by === 'any' ? 'more than one device/emulator' : 'more than one device';
    found = pool[0];
  }
  if (anyState) return found;
  if (found.state === 'unauthorized') return UNAUTHORIZED;
  if (found.state !== 'device') return 'device offline';
  return found;
}

/**
 * Splits `host-serial:<serial>:<command>`; a serial may itself hold colons (`10.0.0.2:5555`),
 * so the sim's own serials are tried first, longest first, then the first colon.
 */
export function splitSerial(world: SimAdbWorld, rest: string): [string, string] {
  const known = [...world.devices.keys()].sort((a, b) => b.length - a.length).find((s) => rest.startsWith(`${s}:`));
  if (known) return [known, rest.slice(known.length + 1)];
  const i = rest.indexOf(':');
  return i < 0 ? [rest, ''] : [rest.slice(0, i), rest.slice(i + 1)];
}

/** A request's target and the command left once its prefix is read. */
export function parseHostRequest(world: SimAdbWorld, req: string): { target: Target; command: string } | null {
  if (req.startsWith('host:')) return { target: { by: 'any' }, command: req.slice(5) };
  if (req.startsWith('host-usb:')) return { target: { by: 'usb' }, command: req.slice(9) };
  if (req.startsWith('host-local:')) return { target: { by: 'local' }, command: req.slice(11) };
  if (req.startsWith('host-serial:')) {
    const [serial, command] = splitSerial(world, req.slice(12));
    return { target: { by: 'serial', serial }, command };
  }
  const m = /^host-transport-id:(\d+):(.*)$/s.exec(req);
  if (m) return { target: { by: 'id', id: Number(m[1]) }, command: m[2] };
  return null;
}
