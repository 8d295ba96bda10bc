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
  /** Where the facts came from: serialport's list, or our own scan of /dev and sysfs. */
  source: 'serialport' | 'scan' | 'given';
}

export interface PortDeps {
  list?: () => Promise<{ path: string; vendorId?: string; productId?: string; serialNumber?: string; manufacturer?: string; locationId?: string }[]>;
  devDir?: string;
  sysDir?: string;
  platform?: NodeJS.Platform;
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
 * Ports this station can see. serialport's list() spawns udevadm on Linux and throws where
 * it is missing (containers, minimal installs): then we scan /dev ourselves and read the USB
 * facts from sysfs. Legacy on-board ttyS* ports only count when a driver claims them.
 */
export async function listPorts(deps: PortDeps = {}): Promise<PortInfo[]> {
  try {
    const found = await (deps.list ?? serialportList)();
    return found.map((p) => ({
      path: p.path,
      vendorId: p.vendorId,
      productId: p.productId,
      serialNumber: p.serialNumber,
      manufacturer: p.manufacturer,
      location: p.locationId,
      source: 'serialport' as const,
    }));
  } catch {
    if ((deps.platform ?? process.platform) === 'win32') return [];
    return scanDev(deps.devDir ?? '/dev', deps.sysDir ?? '/sys/class/tty');
  }
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
