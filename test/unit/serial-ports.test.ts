import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { isWxError, WxError } from '../../main/core/errors/wx-error.js';
import { filterPorts, listPorts, resolvePort, scanDev, type PortDeps, type PortInfo } from '../../main/core/serial/ports.js';
import { portError } from '../../main/core/serial/serial-link.js';
import { tmpDir } from '../helpers/tmp.js';

// Port discovery when serialport's list() fails (it spawns udevadm on Linux, which containers
// and minimal installs lack): /dev is scanned and the USB facts read from sysfs, here a fake
// /dev and a fake /sys built in a temp dir the way Linux lays them out.

let root: string;
let devDir: string;
let sysDir: string;

const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

/** /sys/class/tty/<name>/device -> a directory under /sys/devices, as a relative symlink like the kernel's. */
const classLink = (name: string, deviceDir: string) => {
  const cls = path.join(sysDir, name);
  fs.mkdirSync(cls, { recursive: true });
  fs.mkdirSync(deviceDir, { recursive: true });
  fs.symlinkSync(path.relative(cls, deviceDir), path.join(cls, 'device'));
};

const throwingList: PortDeps['list'] = async () => {
  throw new Error('Command failed: udevadm info -e\n/bin/sh: 1: udevadm: not found');
};

beforeEach(() => {
  root = tmpDir('wxprov-ports-');
  devDir = path.join(root, 'dev');
  sysDir = path.join(root, 'sys', 'class', 'tty');
  const devices = path.join(root, 'sys', 'devices', 'pci0000:00', '0000:00:14.0', 'usb1');

  // /dev: the serial nodes, and plenty that are not ports.
  for (const n of ['ttyUSB0', 'ttyACM1', 'ttyS0', 'ttyS1', 'null', 'tty', 'tty0', 'ttyUSB', 'ttyusb3', 'ttyUSB0.bak', 'notes.txt', 'ttyACMx']) write(path.join(devDir, n), '');
  fs.mkdirSync(path.join(devDir, 'pts'));

  // ttyUSB0: a usb-serial converter; the device node with idVendor is two levels above the port dir:
  // usb1/1-1/1-1.2 (idVendor ...) / 1-1.2:1.0 (interface) / ttyUSB0 (port)
  const ftdi = path.join(devices, '1-1', '1-1.2');
  write(path.join(ftdi, 'idVendor'), '0403\n');
  write(path.join(ftdi, 'idProduct'), '6001\n');
  write(path.join(ftdi, 'serial'), 'FT9XYZ01\n');
  write(path.join(ftdi, 'manufacturer'), 'FTDI\n');
  classLink('ttyUSB0', path.join(ftdi, '1-1.2:1.0', 'ttyUSB0'));
  fs.mkdirSync(path.join(ftdi, '1-1.2:1.0', 'ttyUSB0', 'driver'));

  // ttyACM1: a CDC-ACM device; its device link points at the interface, one level below idVendor.
  const acm = path.join(devices, '1-3');
  write(path.join(acm, 'idVendor'), '2E8A\n');
  write(path.join(acm, 'idProduct'), '000a\n');
  write(path.join(acm, 'serial'), 'E6614C311B4D5A2F\n');
  classLink('ttyACM1', path.join(acm, '1-3:1.0'));

  // ttyS0: a legacy 8250 slot with nothing behind it (no driver): skipped.
  classLink('ttyS0', path.join(root, 'sys', 'devices', 'platform', 'serial8250', 'tty', 'ttyS0'));
  // ttyS1: an on-board UART a driver claims: kept, without USB facts.
  const pnp = path.join(root, 'sys', 'devices', 'pnp0', '00:05');
  classLink('ttyS1', pnp);
  fs.mkdirSync(path.join(pnp, 'driver'));
});

describe('listPorts', () => {
  it('falls back to scanning /dev and sysfs when serialport’s list throws', async () => {
    const ports = await listPorts({ list: throwingList, devDir, sysDir, platform: 'linux' });
    expect(ports).toEqual([
      { path: path.join(devDir, 'ttyACM1'), vendorId: '2E8A', productId: '000a', serialNumber: 'E6614C311B4D5A2F', manufacturer: undefined, location: '1-3', source: 'scan' },
      { path: path.join(devDir, 'ttyS1'), source: 'scan' },
      { path: path.join(devDir, 'ttyUSB0'), vendorId: '0403', productId: '6001', serialNumber: 'FT9XYZ01', manufacturer: 'FTDI', location: '1-1.2', source: 'scan' },
    ]);
  });

  it('orders ports numerically and skips a node whose sysfs entry is missing facts, not the node itself', () => {
    for (const n of ['ttyUSB10', 'ttyUSB2']) write(path.join(devDir, n), '');
    const ports = scanDev(devDir, sysDir);
    expect(ports.map((p) => path.basename(p.path))).toEqual(['ttyACM1', 'ttyS1', 'ttyUSB0', 'ttyUSB2', 'ttyUSB10']);
    // No sysfs entry at all: listed, with no USB facts.
    expect(ports.find((p) => p.path.endsWith('ttyUSB2'))).toEqual({ path: path.join(devDir, 'ttyUSB2'), source: 'scan' });
  });

  it('a missing /dev gives no ports rather than an error; on Windows a failed list gives none', async () => {
    expect(await listPorts({ list: throwingList, devDir: path.join(root, 'nowhere'), sysDir, platform: 'linux' })).toEqual([]);
    expect(await listPorts({ list: throwingList, devDir, sysDir, platform: 'win32' })).toEqual([]);
  });

  it('uses serialport’s answer when list works (locationId becomes location)', async () => {
    const ports = await listPorts({
      list: async () => [{ path: 'COM3', vendorId: '1a86', productId: '7523', serialNumber: 'A1', manufacturer: 'wch.cn', locationId: 'Port_#0002.Hub_#0001' }],
      devDir,
      sysDir,
    });
    expect(ports).toEqual([{ path: 'COM3', vendorId: '1a86', productId: '7523', serialNumber: 'A1', manufacturer: 'wch.cn', location: 'Port_#0002.Hub_#0001', source: 'serialport' }]);
  });
});

describe('filterPorts', () => {
  const ports: PortInfo[] = [
    { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', source: 'scan' },
    { path: '/dev/ttyUSB1', vendorId: '1A86', productId: '7523', source: 'scan' },
    { path: '/dev/ttyACM0', vendorId: '2e8a', productId: '000A', source: 'scan' },
    { path: '/dev/ttyS1', source: 'scan' },
  ];
  const paths = (ps: PortInfo[]) => ps.map((p) => p.path);

  it('by vid and pid, case-insensitively; no filter keeps every port', () => {
    expect(paths(filterPorts(ports, { vid: '1a86' }))).toEqual(['/dev/ttyUSB1']);
    expect(paths(filterPorts(ports, { vid: '2E8A', pid: '000a' }))).toEqual(['/dev/ttyACM0']);
    expect(paths(filterPorts(ports, { pid: '6001' }))).toEqual(['/dev/ttyUSB0']);
    expect(paths(filterPorts(ports, { vid: '0403', pid: '7523' }))).toEqual([]);
    expect(paths(filterPorts(ports, {}))).toEqual(paths(ports));
  });
});

describe('resolvePort', () => {
  const deps = (): PortDeps => ({ list: throwingList, devDir, sysDir, platform: 'linux' });

  it('sn: and loc: find the path through the scan; a plain path is taken as it is', async () => {
    expect(await resolvePort('sn:FT9XYZ01', deps())).toBe(path.join(devDir, 'ttyUSB0'));
    expect(await resolvePort('loc:1-1.2', deps())).toBe(path.join(devDir, 'ttyUSB0'));
    expect(await resolvePort('sn:E6614C311B4D5A2F', deps())).toBe(path.join(devDir, 'ttyACM1'));
    expect(await resolvePort('loc:1-3', deps())).toBe(path.join(devDir, 'ttyACM1'));
    expect(await resolvePort('/dev/ttyUSB9', deps())).toBe('/dev/ttyUSB9');
    expect(await resolvePort('COM7', deps())).toBe('COM7');
  });

  it('throws PORT_NOT_FOUND naming the spec when nothing matches', async () => {
    for (const spec of ['sn:XYZ', 'loc:1-1.9', 'sn:ft9xyz01']) {
      const e = await resolvePort(spec, deps()).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isWxError(e), spec).toBe(true);
      expect(e).toMatchObject({ code: 'PORT_NOT_FOUND', params: { port: spec } });
    }
  });

  it('works the same through serialport’s list', async () => {
    const list: PortDeps['list'] = async () => [
      { path: '/dev/ttyUSB3', serialNumber: 'XYZ', locationId: '1-1.2' },
      { path: '/dev/ttyUSB4', serialNumber: 'OTHER', locationId: '1-1.3' },
    ];
    expect(await resolvePort('sn:XYZ', { list })).toBe('/dev/ttyUSB3');
    expect(await resolvePort('loc:1-1.3', { list })).toBe('/dev/ttyUSB4');
    await expect(resolvePort('sn:NOPE', { list })).rejects.toMatchObject({ code: 'PORT_NOT_FOUND' });
  });
});

describe('portError', () => {
  const errno = (code: string | undefined, message: string) => Object.assign(new Error(message), code ? { code } : {});
  const cases: [string, Error, string][] = [
    // serialport's Linux binding: no errno code, the reason is in the message.
    ['linux ENOENT', errno(undefined, 'Error: No such file or directory, cannot open /dev/ttyUSB0'), 'PORT_NOT_FOUND'],
    ['errno ENOENT', errno('ENOENT', "ENOENT: no such file or directory, open '/dev/ttyUSB0'"), 'PORT_NOT_FOUND'],
    ['windows not found', errno(undefined, 'Opening COM9: File not found'), 'PORT_NOT_FOUND'],
    ['linux EACCES', errno(undefined, 'Error: Permission denied, cannot open /dev/ttyUSB0'), 'PORT_ACCESS_DENIED'],
    ['errno EACCES', errno('EACCES', "EACCES: permission denied, open '/dev/ttyUSB0'"), 'PORT_ACCESS_DENIED'],
    ['windows access denied', errno(undefined, 'Opening COM3: Access denied'), 'PORT_ACCESS_DENIED'],
    ['serialport lock (flock EAGAIN)', errno(undefined, 'Error Resource temporarily unavailable Cannot lock port'), 'PORT_BUSY'],
    ['errno EBUSY', errno('EBUSY', 'EBUSY: resource busy or locked'), 'PORT_BUSY'],
    ['bare Cannot lock port', errno(undefined, 'Cannot lock port'), 'PORT_BUSY'],
    ['anything else', errno(undefined, 'Error: Inappropriate ioctl for device setting custom baud rate of 115200'), 'PORT_OPEN_FAILED'],
  ];

  it.each(cases)('%s', (_name, err, code) => {
    const e = portError('/dev/ttyUSB0', err);
    expect(e).toBeInstanceOf(WxError);
    expect(e.code).toBe(code);
    expect(e.params.port).toBe('/dev/ttyUSB0');
  });

  it('keeps the OS words for an unknown failure', () => {
    const e = portError('/dev/ttyUSB0', errno(undefined, 'Error: Inappropriate ioctl for device setting custom baud rate of 115200'));
    expect(e.params.detail).toMatch(/Inappropriate ioctl/);
    expect(portError('COM1', 'weird').code).toBe('PORT_OPEN_FAILED');
  });
});
