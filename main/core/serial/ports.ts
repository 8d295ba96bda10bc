import fs from 'node:fs';
import path from 'node:path';
import { WxError } from '../errors/wx-error.js';

export interface PortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  /** USB topology (e.g. 1-1.2): stable for a fixture slot even when COM names change. */
  location?: string;
  /** A symlink's real path (/dev/serial/by-id/… → /dev/ttyUSB0, a fixture link → /dev/pts/3). */
  target?: string;
  /**
   * Where it came from: serialport's list, our own scan of /dev and sysfs, a symlink to a tty
   * (/dev/serial/by-id, /dev/serial/by-path, /dev/<name>), a pseudo-terminal (/dev/pts/N), or a
   * path given before (a slot, a recent one, a simulated unit); or an Android unit on the ADB
   * server (adb/adb-ports.ts).
   */
  source: 'serialport' | 'scan' | 'link' | 'pty' | 'given' | 'adb';
  /** An Android unit: its ADB serial, state (`device` is ready), USB port path and model. */
  adb?: { serial: string; state: string; usb?: string; model?: string };
}

export interface PortDeps {
  list?: () => Promise<{ path: string; vendorId?: string; productId?: string; serialNumber?: string; manufacturer?: string; locationId?: string }[]>;
  devDir?: string;
  sysDir?: string;
  platform?: NodeJS.Platform;
  /** Paths given before (slots, recent ones): listed while they still lead to a tty. */
  given?: readonly string[];
}

async function serialportList() {
  const { SerialPort } = await import('serialport');
  return SerialPort.list();
}

/** Reads a sysfs attribute file if it exists. */
const readAttr = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
};

/** USB facts for /dev/ttyUSB0 from sysfs (what udevadm would have told serialport). */
function sysfsFacts(sysDir: string, name: string): Partial<PortInfo> {
  let dir: string;
  try {
    dir = fs.realpathSync(path.join(sysDir, name, 'device'));
  } catch {
    return {};
  }
  // Walk up to the USB device node: the first ancestor with idVendor.
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    const vendorId = readAttr(path.join(d, 'idVendor'));
    if (vendorId) {
      return {
        vendorId,
        productId: readAttr(path.join(d, 'idProduct')),
        serialNumber: readAttr(path.join(d, 'serial')),
        manufacturer: readAttr(path.join(d, 'manufacturer')),
        location: path.basename(d),
      };
    }
  }
  return {};
}

/**
 * Every port this station can open. serialport's list() spawns udevadm on Linux and throws
 * where it is missing (containers, minimal installs): then we scan /dev ourselves and read the
 * USB facts from sysfs; legacy on-board ttyS* ports only count when a driver claims them.
 * Neither sees what an engineer uses most on a bench, so on Linux and macOS the list also has
 * symlinks to ttys (by-id names, a fixture's link), pseudo-terminals this user may open, and
 * the paths given before that still lead to a tty. On Windows it is serialport's COM list.
 */
export async function listPorts(deps: PortDeps = {}): Promise<PortInfo[]> {
  const platform = deps.platform ?? process.platform;
  const devDir = deps.devDir ?? '/dev';
  let found: PortInfo[];
  try {
    found = (await (deps.list ?? serialportList)()).map((p) => ({
      path: p.path,
      vendorId: p.vendorId,
      productId: p.productId,
      serialNumber: p.serialNumber,
      manufacturer: p.manufacturer,
      location: p.locationId,
      source: 'serialport' as const,
    }));
  } catch {
    found = platform === 'win32' ? [] : scanDev(devDir, deps.sysDir ?? '/sys/class/tty');
  }
  if (platform === 'win32') return found;
  return mergePorts(found, [...scanLinks(devDir), ...scanPts(devDir), ...givenPorts(deps.given ?? [])]);
}

export function scanDev(devDir: string, sysDir: string): PortInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(devDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^tty(USB|ACM)\d+$/.test(n) || (/^ttyS\d+$/.test(n) && fs.existsSync(path.join(sysDir, n, 'device', 'driver'))))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((n) => ({ path: path.join(devDir, n), ...sysfsFacts(sysDir, n), source: 'scan' as const }));
}

/** A tty by its name: ttyUSB0, ttyACM1, ttyAMA0, ttyXRUSB2, rfcomm0, a pty's number under pts/ (not the consoles tty0..63). */
function isTtyPath(real: string): boolean {
  const name = path.basename(real);
  if (/^(tty[A-Za-z_]+\d+|rfcomm\d+)$/.test(name)) return true;
  return path.basename(path.dirname(real)) === 'pts' && /^\d+$/.test(name);
}

/**
 * Where a symlink really leads, or undefined: not a link, dangling, or a file descriptor's
 * alias (/dev/stdin → /proc/self/fd/0 on Linux, → fd/0 on macOS), which leads to whatever
 * terminal this process happens to run in.
 */
function linkTarget(p: string): string | undefined {
  try {
    if (!fs.lstatSync(p).isSymbolicLink()) return undefined;
    if (/^(\/proc\/|(\/dev\/)?fd\/)/.test(fs.readlinkSync(p))) return undefined;
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

const entries = (dir: string): string[] => {
  try {
    return fs.readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } catch {
    return [];
  }
};

/** Symlinks to ttys: udev's /dev/serial/by-id and by-path (stable across re-plugging), and links right in /dev (a udev rule's /dev/ttyFIXTURE1). */
export function scanLinks(devDir: string): PortInfo[] {
  const dirs = [path.join(devDir, 'serial', 'by-id'), path.join(devDir, 'serial', 'by-path'), devDir];
  return dirs.flatMap((dir) =>
    entries(dir).flatMap((n) => {
      const p = path.join(dir, n);
      const target = linkTarget(p);
      return target && isTtyPath(target) ? [{ path: p, target, source: 'link' as const }] : [];
    }),
  );
}

/**
 * Pseudo-terminals (/dev/pts/N) this user may read and write: a simulated unit, a socat
 * bridge to a networked fixture. Checked with access(), never opened: the last close of a
 * pty's far end hangs up whoever holds the other end.
 */
export function scanPts(devDir: string): PortInfo[] {
  const dir = path.join(devDir, 'pts');
  return entries(dir)
    .filter((n) => /^\d+$/.test(n))
    .map((n) => path.join(dir, n))
    .filter((p) => {
      try {
        fs.accessSync(p, fs.constants.R_OK | fs.constants.W_OK);
        return true;
      } catch {
        return false;
      }
    })
    .map((p) => ({ path: p, source: 'pty' as const }));
}

/** Paths given before that still lead to a tty (a device node, or a link to one); sn:/loc: specs are not paths. */
export function givenPorts(paths: readonly string[]): PortInfo[] {
  return [...new Set(paths)]
    .filter((p) => path.isAbsolute(p) && !/^(sn|loc):/.test(p))
    .flatMap((p) => {
      const target = linkTarget(p);
      const real = target ?? p;
      if (!fs.existsSync(real) || !isTtyPath(real)) return [];
      return [{ path: p, ...(target ? { target } : {}), source: 'given' as const }];
    });
}

/** One entry per path, the first source winning; a link to a listed port gets that port's USB facts. */
export function mergePorts(found: PortInfo[], extra: PortInfo[]): PortInfo[] {
  const byPath = new Map(found.map((p) => [p.path, p]));
  for (const p of extra) {
    if (byPath.has(p.path)) continue;
    const of = p.target ? byPath.get(p.target) : undefined;
    byPath.set(p.path, of ? { ...of, ...p } : p);
  }
  return [...byPath.values()];
}

export interface PortFilter {
  vid?: string;
  pid?: string;
}

export const filterPorts = (ports: PortInfo[], f: PortFilter): PortInfo[] =>
  ports.filter(
    (p) => (!f.vid || p.vendorId?.toLowerCase() === f.vid.toLowerCase()) && (!f.pid || p.productId?.toLowerCase() === f.pid.toLowerCase()),
  );

/**
 * A fixture slot as the operator pins it: a path (/dev/ttyUSB0, COM3, a pty), or
 * `sn:<USB serial number>` / `loc:<USB location>`, which survive reboots and re-plugging
 * where COM names do not.
 */
export async function resolvePort(spec: string, deps: PortDeps = {}): Promise<string> {
  const m = /^(sn|loc):(.+)$/.exec(spec);
  if (!m) return spec;
  const ports = await listPorts(deps);
  const hit = ports.find((p) => (m[1] === 'sn' ? p.serialNumber === m[2] : p.location === m[2]));
  if (!hit) throw new WxError('PORT_NOT_FOUND', { port: spec });
  return hit.path;
}
