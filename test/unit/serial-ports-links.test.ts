import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryKv } from '../../main/core/app/kv.js';
import { recentPorts, rememberPorts } from '../../main/core/app/recent-ports.js';
import { givenPorts, listPorts, type PortDeps } from '../../main/core/serial/ports.js';
import { openPtyPair, type PtyPair } from '../../main/core/serial/pty.js';
import { tmpDir } from '../helpers/tmp.js';

// Ports serialport's list does not show, and an engineer uses on a bench: pseudo-terminals
// (real ones, made by socat), symlinks to ttys (/dev/serial/by-id in a fake /dev laid out as
// udev does, links made for a fixture), and the paths given before.

const throwingList: PortDeps['list'] = async () => {
  throw new Error('Command failed: udevadm info -e\n/bin/sh: 1: udevadm: not found');
};

const ptys: PtyPair[] = [];
afterEach(async () => {
  for (const p of ptys.splice(0)) await p.close();
});

async function pty(link: string): Promise<{ link: string; target: string }> {
  const p = await openPtyPair(link);
  ptys.push(p);
  return { link, target: fs.realpathSync(link) };
}

describe('pseudo-terminals and links to them (real ptys through socat)', () => {
  it('lists every /dev/pts/N this user may open, and a fixture link given before with the pty it leads to', async () => {
    const dir = tmpDir('wxprov-ports-pty-');
    const a = await pty(path.join(dir, 'ttyFIX1'));
    const b = await pty(path.join(dir, 'ttyFIX2'));
    expect(a.target).toMatch(/^\/dev\/pts\/\d+$/);

    const ports = await listPorts({ list: throwingList, sysDir: path.join(dir, 'no-sys'), platform: 'linux', given: [a.link] });
    expect(ports).toContainEqual({ path: a.target, source: 'pty' });
    expect(ports).toContainEqual({ path: b.target, source: 'pty' });
    expect(ports).toContainEqual({ path: a.link, target: a.target, source: 'given' });
    // Not given, not in /dev: the second link is not guessed at, its pty is listed instead.
    expect(ports.some((p) => p.path === b.link)).toBe(false);
    // /dev/pts/ptmx is the multiplexer, not a port.
    expect(ports.some((p) => p.path.endsWith('/ptmx'))).toBe(false);
    // One entry per path.
    expect(new Set(ports.map((p) => p.path)).size).toBe(ports.length);

    // serialport's list working (it never shows ptys) changes nothing for them.
    const listed = await listPorts({ list: async () => [{ path: '/dev/ttyUSB7', vendorId: '0403' }], platform: 'linux', given: [a.link] });
    expect(listed[0]).toEqual({ path: '/dev/ttyUSB7', vendorId: '0403', productId: undefined, serialNumber: undefined, manufacturer: undefined, location: undefined, source: 'serialport' });
    expect(listed).toContainEqual({ path: a.target, source: 'pty' });
    expect(listed).toContainEqual({ path: a.link, target: a.target, source: 'given' });
  });

  it('a pty that has gone (its socat ended) leaves the list, and so does the link given for it', async () => {
    const dir = tmpDir('wxprov-ports-pty-');
    const a = await pty(path.join(dir, 'ttyGONE'));
    await ptys.pop()!.close();
    const ports = await listPorts({ list: throwingList, platform: 'linux', given: [a.link] });
    expect(ports.some((p) => p.path === a.link)).toBe(false);
    // The number may already belong to a new pty of someone else; what matters is no stale link.
    expect(ports.filter((p) => p.source === 'given')).toEqual([]);
  });

  it('given paths: only absolute paths that still lead to a tty; sn:/loc: specs, missing paths and plain files are not ports', async () => {
    const dir = tmpDir('wxprov-ports-given-');
    const a = await pty(path.join(dir, 'ttyBENCH'));
    const plain = path.join(dir, 'notes.txt');
    fs.writeFileSync(plain, 'x');
    fs.symlinkSync(plain, path.join(dir, 'ttyLINKTOFILE'));
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'ttyDANGLING'));
    const given = [a.link, a.link, a.target, 'sn:FT9XYZ01', 'loc:1-1.2', 'ttyBENCH', path.join(dir, 'ttyMISSING'), plain, path.join(dir, 'ttyLINKTOFILE'), path.join(dir, 'ttyDANGLING'), '/dev/null'];
    expect(givenPorts(given)).toEqual([
      { path: a.link, target: a.target, source: 'given' },
      { path: a.target, source: 'given' },
    ]);
  });
});

describe('symlinks to ttys in /dev (a fake /dev laid out as udev does)', () => {
  let dev: string;
  beforeEach(() => {
    dev = path.join(tmpDir('wxprov-ports-dev-'), 'dev');
    fs.mkdirSync(path.join(dev, 'serial', 'by-id'), { recursive: true });
    fs.mkdirSync(path.join(dev, 'serial', 'by-path'), { recursive: true });
    fs.mkdirSync(path.join(dev, 'pts'));
    for (const n of ['ttyUSB0', 'ttyACM0', 'sr0', 'null']) fs.writeFileSync(path.join(dev, n), '');
    fs.symlinkSync('../../ttyUSB0', path.join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_USB_UART_FT9XYZ01-if00-port0'));
    fs.symlinkSync('../../ttyACM0', path.join(dev, 'serial', 'by-path', 'pci-0000:00:14.0-usb-0:3:1.0'));
    fs.symlinkSync('ttyUSB0', path.join(dev, 'ttyFIXTURE1')); // a udev rule's name for a fixture
    fs.symlinkSync('sr0', path.join(dev, 'cdrom')); // a link, but not to a tty
    fs.symlinkSync('/proc/self/fd/0', path.join(dev, 'stdin')); // may well lead to a pty: never a port
    fs.symlinkSync('fd/1', path.join(dev, 'stdout')); // macOS's way
    fs.mkdirSync(path.join(dev, 'fd'));
    fs.symlinkSync('../pts/7', path.join(dev, 'fd', '1'));
    fs.symlinkSync('ttyGONE0', path.join(dev, 'ttyDANGLING'));
    fs.writeFileSync(path.join(dev, 'pts', 'ptmx'), '');
    fs.writeFileSync(path.join(dev, 'pts', '7'), '');
  });

  it('lists by-id, by-path and /dev links with their target, and the USB facts of the port they lead to', async () => {
    const usb0 = { path: path.join(dev, 'ttyUSB0'), vendorId: '0403', productId: '6001', serialNumber: 'FT9XYZ01', manufacturer: 'FTDI', locationId: '1-1.2' };
    const ports = await listPorts({ list: async () => [usb0, { path: path.join(dev, 'ttyACM0') }], devDir: dev, platform: 'linux' });
    const byId = path.join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_USB_UART_FT9XYZ01-if00-port0');
    expect(ports.map((p) => [p.path, p.source, p.target])).toEqual([
      [usb0.path, 'serialport', undefined],
      [path.join(dev, 'ttyACM0'), 'serialport', undefined],
      [byId, 'link', usb0.path],
      [path.join(dev, 'serial', 'by-path', 'pci-0000:00:14.0-usb-0:3:1.0'), 'link', path.join(dev, 'ttyACM0')],
      [path.join(dev, 'ttyFIXTURE1'), 'link', usb0.path],
      [path.join(dev, 'pts', '7'), 'pty', undefined],
    ]);
    expect(ports.find((p) => p.path === byId)).toMatchObject({ vendorId: '0403', serialNumber: 'FT9XYZ01', location: '1-1.2', source: 'link' });
  });

  it('the same without serialport (the /dev scan), and never an error when list() throws at once', async () => {
    const list: PortDeps['list'] = () => {
      throw new Error('serialport binding failed to load');
    };
    const ports = await listPorts({ list, devDir: dev, sysDir: path.join(dev, '..', 'sys'), platform: 'linux' });
    expect(ports.map((p) => path.relative(dev, p.path))).toEqual(['ttyACM0', 'ttyUSB0', 'serial/by-id/usb-FTDI_FT232R_USB_UART_FT9XYZ01-if00-port0', 'serial/by-path/pci-0000:00:14.0-usb-0:3:1.0', 'ttyFIXTURE1', 'pts/7']);
  });

  it('on Windows the list is serialport’s COM ports, as before, and nothing when it throws', async () => {
    const com = await listPorts({ list: async () => [{ path: 'COM3' }], devDir: dev, platform: 'win32', given: ['COM7', path.join(dev, 'ttyFIXTURE1')] });
    expect(com.map((p) => p.path)).toEqual(['COM3']);
    expect(await listPorts({ list: throwingList, devDir: dev, platform: 'win32' })).toEqual([]);
  });
});

describe('the paths given before (app settings)', () => {
  it('keeps path specs newest first, once each, at most 12; sn: and loc: are not paths', () => {
    const kv = memoryKv();
    rememberPorts(kv, ['/dev/ttyUSB0', 'sn:FT9XYZ01', 'loc:1-1.2', '/tmp/ttyFIX1']);
    expect(recentPorts(kv)).toEqual(['/dev/ttyUSB0', '/tmp/ttyFIX1']);
    rememberPorts(kv, ['/tmp/ttyFIX1', '/dev/ttyACM0']);
    expect(recentPorts(kv)).toEqual(['/tmp/ttyFIX1', '/dev/ttyACM0', '/dev/ttyUSB0']);
    rememberPorts(kv, Array.from({ length: 20 }, (_, i) => `/dev/ttyUSB${i + 10}`));
    expect(recentPorts(kv)).toHaveLength(12);
    expect(recentPorts(kv)[0]).toBe('/dev/ttyUSB10');
    // An edited settings file with junk in it counts what is usable.
    kv.set('recent_ports', ['/dev/ttyS0', 5, null]);
    expect(recentPorts(kv)).toEqual(['/dev/ttyS0']);
  });
});
