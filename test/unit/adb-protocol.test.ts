import type net from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseDeviceList } from '../../main/core/adb/device-list.js';
import { AdbFailError, AdbProtocolError, SocketReader, decodeLength, encodeFrame, fail } from '../../main/core/adb/protocol.js';
import { adbServerAddress } from '../../main/core/adb/server-address.js';
import { isAdbSpec, parseAdbSpec } from '../../main/core/adb/adb-link.js';
import { isWxError } from '../../main/core/errors/wx-error.js';

/** The reader only needs a socket's stream side: a PassThrough stands in, fed in awkward pieces. */
const pipe = () => {
  const s = new PassThrough();
  return { s, reader: new SocketReader(s as unknown as net.Socket) };
};

describe('adb host protocol framing', () => {
  it('frames a request as 4 lower-case hex digits and the payload', () => {
    expect(encodeFrame('host:version').toString()).toBe('000chost:version');
    expect(encodeFrame('x'.repeat(0xab)).subarray(0, 4).toString()).toBe('00ab');
    expect(encodeFrame('').toString()).toBe('0000');
    // The length counts bytes, not characters.
    expect(encodeFrame('型号').subarray(0, 4).toString()).toBe('0006');
    expect(() => encodeFrame(Buffer.alloc(0x10000))).toThrow(RangeError);
    expect(fail('closed').toString()).toBe('FAIL0006closed');
  });

  it('reads lengths in either case and refuses anything else', () => {
    expect(decodeLength('00AB')).toBe(0xab);
    expect(decodeLength('00ab')).toBe(0xab);
    expect(() => decodeLength('HTTP')).toThrow(AdbProtocolError);
    expect(() => decodeLength('12')).toThrow(AdbProtocolError);
  });

  it('reads OKAY and a length-prefixed reply however the bytes are cut', async () => {
    const { s, reader } = pipe();
    for (const piece of ['OK', 'AY0', '00', '4002', '9']) s.write(piece);
    await reader.readStatus();
    expect((await reader.readFrame()).toString()).toBe('0029');
  });

  it('turns FAIL into AdbFailError with the message, and garbage into AdbProtocolError', async () => {
    const a = pipe();
    a.s.write('FAIL0006clo');
    a.s.write('sed');
    await expect(a.reader.readStatus()).rejects.toEqual(new AdbFailError('closed'));
    const b = pipe();
    b.s.write('HTTP/1.1 400 Bad Request\r\n');
    await expect(b.reader.readStatus()).rejects.toBeInstanceOf(AdbProtocolError);
  });

  it('an answer cut short by the peer is a protocol error, not a hang', async () => {
    const { s, reader } = pipe();
    s.end('OKAY00');
    await reader.readStatus();
    await expect(reader.readFrame()).rejects.toBeInstanceOf(AdbProtocolError);
  });

  it('reads a legacy shell answer to its end, and a tracking stream frame by frame to a clean end', async () => {
    const a = pipe();
    a.s.write('WMPF');
    a.s.end('_Box\n');
    expect((await a.reader.readToEnd()).toString()).toBe('WMPF_Box\n');
    const b = pipe();
    b.s.end('0003abc0000');
    expect((await b.reader.readFrameOrEnd())?.toString()).toBe('abc');
    expect((await b.reader.readFrameOrEnd())?.toString()).toBe('');
    expect(await b.reader.readFrameOrEnd()).toBeNull();
  });

  it('release() hands back the stream with the bytes past the OKAY still in it', async () => {
    const { s, reader } = pipe();
    s.write('OKAYOK HELLO proto=1');
    await reader.readStatus();
    const back = reader.release() as unknown as PassThrough;
    const got: string[] = [];
    back.on('data', (c: Buffer) => got.push(c.toString()));
    back.resume();
    s.write(' *0000\n');
    await new Promise((r) => setImmediate(r));
    expect(got.join('')).toBe('OK HELLO proto=1 *0000\n');
  });
});

describe('adb devices -l listing', () => {
  it('parses states, USB paths, names and transport ids', () => {
    const text =
      'R58M123ABC             device usb:1-1.2 product:box model:WMPF_Box device:boxd transport_id:7\n' +
      'R58M999XYZ             unauthorized usb:1-1.3 transport_id:8\n' +
      'emulator-5554          offline transport_id:9\n' +
      '0123456789ABCDEF       no permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html] usb:2-1 transport_id:10\n' +
      '192.168.1.20:5555      recovery product:box model:WMPF_Box device:boxd transport_id:11\n';
    expect(parseDeviceList(text)).toEqual([
      { serial: 'R58M123ABC', state: 'device', usb: '1-1.2', product: 'box', model: 'WMPF_Box', device: 'boxd', transport_id: 7 },
      { serial: 'R58M999XYZ', state: 'unauthorized', usb: '1-1.3', transport_id: 8 },
      { serial: 'emulator-5554', state: 'offline', transport_id: 9 },
      {
        serial: '0123456789ABCDEF',
        state: 'no permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html]',
        usb: '2-1',
        transport_id: 10,
      },
      { serial: '192.168.1.20:5555', state: 'recovery', product: 'box', model: 'WMPF_Box', device: 'boxd', transport_id: 11 },
    ]);
  });

  it('reads the short listing and an empty one', () => {
    expect(parseDeviceList('A1\tdevice\nB2\tunauthorized\n')).toEqual([
      { serial: 'A1', state: 'device' },
      { serial: 'B2', state: 'unauthorized' },
    ]);
    expect(parseDeviceList('')).toEqual([]);
  });
});

describe('the ADB server address', () => {
  it("follows adb's variables and defaults", () => {
    expect(adbServerAddress({})).toEqual({ host: '127.0.0.1', port: 5037 });
    expect(adbServerAddress({ ANDROID_ADB_SERVER_ADDRESS: 'localhost', ANDROID_ADB_SERVER_PORT: '5038' })).toEqual({ host: '127.0.0.1', port: 5038 });
    expect(adbServerAddress({ ANDROID_ADB_SERVER_ADDRESS: '10.0.0.5', ANDROID_ADB_SERVER_PORT: '' })).toEqual({ host: '10.0.0.5', port: 5037 });
  });

  it('refuses a port outside 1-65535, naming the variable', () => {
    for (const bad of ['0', '65536', 'abc', '-1', '50.5']) {
      let err: unknown;
      try {
        adbServerAddress({ ANDROID_ADB_SERVER_PORT: bad });
      } catch (e) {
        err = e;
      }
      expect(isWxError(err) && err.code).toBe('INPUT_INVALID');
      expect(isWxError(err) && err.params.field).toBe('ANDROID_ADB_SERVER_PORT');
    }
  });
});

describe('adb port specs', () => {
  it('tells adb specs from the others and reads them', () => {
    expect(isAdbSpec('adb:R58M123ABC')).toBe(true);
    expect(isAdbSpec('adbusb:1-1.2')).toBe(true);
    expect(isAdbSpec('/dev/ttyUSB0')).toBe(false);
    expect(isAdbSpec('tcp:127.0.0.1:7000')).toBe(false);
    expect(parseAdbSpec('adb:192.168.1.20:5555')).toEqual({ by: 'serial', value: '192.168.1.20:5555' });
    expect(parseAdbSpec('adbusb:1-1.2')).toEqual({ by: 'usb', value: '1-1.2' });
    expect(() => parseAdbSpec('adb:')).toThrow(/port is invalid/);
  });
});
