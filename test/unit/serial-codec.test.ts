import { describe, expect, it } from 'vitest';
import { crc16, crcHex } from '../../main/core/serial/crc.js';
import { encodeFrame, field, fieldMap, FrameError, MAX_LINE, parseLine } from '../../main/core/serial/frame.js';
import { LineSplitter } from '../../main/core/serial/line-splitter.js';

/** Every line the splitter hands out, and every over-long prefix it reports. */
function splitter() {
  const lines: string[] = [];
  const overlong: string[] = [];
  const s = new LineSplitter(
    (l) => lines.push(l),
    (p) => overlong.push(p),
  );
  return { s, lines, overlong };
}

describe('crc16 (CRC-16/CCITT-FALSE)', () => {
  it('has the check value 29B1 for "123456789", from a string or bytes', () => {
    expect(crc16('123456789')).toBe(0x29b1);
    expect(crcHex('123456789')).toBe('29B1');
    expect(crcHex(Buffer.from('123456789'))).toBe('29B1');
    expect(crcHex(new Uint8Array([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]))).toBe('29B1');
  });

  it('is init 0xFFFF over nothing, and always 4 upper-case hex digits', () => {
    expect(crcHex('')).toBe('FFFF');
    for (const s of ['A', 'HELLO', 'OK WRITE', 'x'.repeat(1000)]) expect(crcHex(s)).toMatch(/^[0-9A-F]{4}$/);
  });
});

describe('encodeFrame', () => {
  it('produces the frames PROTOCOL.md shows, CRCs included', () => {
    expect(encodeFrame('HELLO')).toBe('HELLO *49D6');
    expect(encodeFrame('OK', { proto: 1, fw: '1.4.2', hwid: 'A4CF12B3C4D5', state: 'blank' }, 'HELLO')).toBe(
      'OK HELLO proto=1 fw=1.4.2 hwid=A4CF12B3C4D5 state=blank *6F30',
    );
    expect(
      encodeFrame('WRITE', { host_app_id: 'wx0a1b2c3d4e5f6071', product_id: 20001, key_version: 1, device_id: 'FRA1261128000001', signature: 'MEUCIQDx' }),
    ).toBe('WRITE host_app_id=wx0a1b2c3d4e5f6071 product_id=20001 key_version=1 device_id=FRA1261128000001 signature=MEUCIQDx *7037');
    expect(encodeFrame('OK', {}, 'WRITE')).toBe('OK WRITE *0E74');
    expect(encodeFrame('READ')).toBe('READ *DC73');
    expect(encodeFrame('COMMIT')).toBe('COMMIT *7BB2');
    expect(encodeFrame('OK', [], 'COMMIT')).toBe('OK COMMIT *E4D4');
    expect(encodeFrame('EVENT', [], 'BOOT')).toBe('EVENT BOOT *9D9C');
    expect(encodeFrame('EVENT', { msg: 'eyJoZWxsbyI6MX0=' }, 'PUSH')).toBe('EVENT PUSH msg=eyJoZWxsbyI6MX0= *4054');
    expect(encodeFrame('ERR', { code: 'LOCKED' }, 'WRITE')).toBe('ERR WRITE code=LOCKED *D9EF');
  });

  it('keeps fields in the order given, from an object or pairs, numbers as decimal', () => {
    expect(encodeFrame('X', [['b', 2], ['a', '1']])).toBe(`X b=2 a=1 *${crcHex('X b=2 a=1')}`);
    expect(encodeFrame('X', { b: 2, a: '1' })).toBe(`X b=2 a=1 *${crcHex('X b=2 a=1')}`);
  });

  it('refuses what the grammar cannot carry', () => {
    expect(() => encodeFrame('X', [['k', 1], ['k', 2]])).toThrow(FrameError); // a key twice
    expect(() => encodeFrame('X', { k: 'a b' })).toThrow(/printable/); // a space
    expect(() => encodeFrame('X', { k: 'a*b' })).toThrow(FrameError); // the CRC marker
    expect(() => encodeFrame('X', { k: '' })).toThrow(FrameError);
    expect(() => encodeFrame('X', { k: 'é' })).toThrow(FrameError);
    expect(() => encodeFrame('X', { k: 'a\nb' })).toThrow(FrameError);
    expect(() => encodeFrame('X', { Key: 'v' })).toThrow(/key/);
    expect(() => encodeFrame('X', { 'a-b': 'v' })).toThrow(FrameError);
    expect(() => encodeFrame('hello')).toThrow(/verb/);
    expect(() => encodeFrame('HELLO1')).toThrow(FrameError);
    expect(() => encodeFrame('OK', {}, 'Hello')).toThrow(/subject/);
    expect(() => encodeFrame('X', { k: 'v'.repeat(MAX_LINE) })).toThrow(/over 1024/);
  });
});

describe('parseLine', () => {
  it('round-trips frames with and without a subject', () => {
    const line = encodeFrame('OK', { proto: 1, state: 'blank' }, 'HELLO');
    expect(parseLine(line)).toEqual({ kind: 'frame', line, frame: { verb: 'OK', subject: 'HELLO', fields: [['proto', '1'], ['state', 'blank']] } });
    const req = encodeFrame('WRITE', { device_id: 'D1' });
    const p = parseLine(req);
    expect(p.kind === 'frame' && p.frame).toEqual({ verb: 'WRITE', fields: [['device_id', 'D1']] });
    expect(p.kind === 'frame' && 'subject' in p.frame).toBe(false);
  });

  it('takes the second token as the subject only when it is a bare upper-case word', () => {
    const p = parseLine(encodeFrame('EVENT', [], 'BOOT'));
    expect(p.kind === 'frame' && p.frame.subject).toBe('BOOT');
    const q = parseLine(encodeFrame('OK', { code: 'X' }));
    expect(q.kind === 'frame' && q.frame).toEqual({ verb: 'OK', fields: [['code', 'X']] });
    const body = 'OK Hello a=1';
    expect(parseLine(`${body} *${crcHex(body)}`).kind).toBe('noise'); // not a subject, not a key=value either
  });

  it('splits key from value at the first =, so base64 padding stays in the value', () => {
    const p = parseLine('EVENT PUSH msg=eyJoZWxsbyI6MX0= *4054');
    expect(p.kind).toBe('frame');
    if (p.kind !== 'frame') return;
    expect(field(p.frame, 'msg')).toBe('eyJoZWxsbyI6MX0=');
    expect(Buffer.from(field(p.frame, 'msg')!, 'base64').toString()).toBe('{"hello":1}');
    const line = encodeFrame('X', { a: 'b==', c: '=x=y=' });
    const q = parseLine(line);
    expect(q.kind === 'frame' && fieldMap(q.frame)).toEqual({ a: 'b==', c: '=x=y=' });
  });

  it('classifies device logs, noise, bad CRCs and frames', () => {
    expect(parseLine('# boot: wmpf-demo 1.4.2')).toEqual({ kind: 'log', text: 'boot: wmpf-demo 1.4.2' });
    expect(parseLine('#')).toEqual({ kind: 'log', text: '' });
    expect(parseLine('# HELLO *49D6').kind).toBe('log'); // a log line is a log line whatever it holds
    expect(parseLine('')).toEqual({ kind: 'noise', line: '' });
    expect(parseLine('ets Jun  8 2016 00:22:57').kind).toBe('noise');
    expect(parseLine('\x00\xff\x13garbage').kind).toBe('noise');
    expect(parseLine('HELLO *49D7')).toEqual({ kind: 'badcrc', verb: 'HELLO', line: 'HELLO *49D7' });
    expect(parseLine('OK WRITE *0E75')).toMatchObject({ kind: 'badcrc', verb: 'OK' });
    expect(parseLine('HELLO *49d6').kind).toBe('noise'); // CRC digits are upper-case
    expect(parseLine('HELLO*49D6').kind).toBe('noise');
    expect(parseLine(`HELLO  *${crcHex('HELLO ')}`).kind).toBe('noise'); // double space: an empty token
    expect(parseLine('HELLO *49D6 ').kind).toBe('noise');
    expect(parseLine('hello *' + crcHex('hello')).kind).toBe('noise');
    for (const body of ['X k=1 k=2', 'X k', 'X =v', 'X k=', 'X K=v', 'X k=a*b', 'X k=\xe9', 'X  k=v']) {
      expect(parseLine(`${body} *${crcHex(body)}`).kind, body).toBe('noise');
    }
    expect(parseLine('HELLO *49D6').kind).toBe('frame');
  });

  it('drops a trailing CR (CRLF line ends)', () => {
    expect(parseLine('HELLO *49D6\r')).toMatchObject({ kind: 'frame', frame: { verb: 'HELLO' }, line: 'HELLO *49D6' });
    expect(parseLine('# log\r')).toEqual({ kind: 'log', text: 'log' });
  });
});

describe('LineSplitter', () => {
  const text = '# boot\r\nOK HELLO proto=1 *ABCD\n\nEVENT BOOT *9D9C\r\ngarbage\x00\xff\nREAD *DC73\n';
  const want = ['# boot', 'OK HELLO proto=1 *ABCD', '', 'EVENT BOOT *9D9C', 'garbage\x00\xff', 'READ *DC73'];

  it('gives the same lines however the bytes are cut (every pair of cut points)', () => {
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const { s, lines } = splitter();
        s.push(text.slice(0, i));
        s.push(Buffer.from(text.slice(i, j), 'latin1'));
        s.push(text.slice(j));
        expect(lines).toEqual(want);
      }
    }
  });

  it('handles one byte at a time, and CRLF split between chunks', () => {
    const { s, lines } = splitter();
    for (const ch of text) s.push(Buffer.from(ch, 'latin1'));
    expect(lines).toEqual(want);
    const b = splitter();
    b.s.push('HELLO *49D6\r');
    expect(b.lines).toEqual([]);
    b.s.push('\n');
    expect(b.lines).toEqual(['HELLO *49D6']);
  });

  it('holds a partial line until its newline', () => {
    const { s, lines } = splitter();
    s.push('OK HEL');
    s.push('LO');
    expect(lines).toEqual([]);
    s.push(' *0000\nREA');
    expect(lines).toEqual(['OK HELLO *0000']);
  });

  it('cuts an over-long line, reports it once, drops the rest of it, and recovers at the next newline', () => {
    const { s, lines, overlong } = splitter();
    s.push('A'.repeat(600));
    s.push('B'.repeat(600));
    s.push('C'.repeat(5000));
    s.push('tail of the long line\nHELLO *49D6\n');
    expect(overlong).toEqual(['A'.repeat(64)]);
    expect(lines).toEqual(['HELLO *49D6']);
    const one = splitter();
    one.s.push('x'.repeat(MAX_LINE + 1) + '\nREAD *DC73\n');
    expect(one.overlong).toHaveLength(1);
    expect(one.lines).toEqual(['READ *DC73']);
  });

  it('passes a line just under the limit', () => {
    const { s, lines, overlong } = splitter();
    const long = 'y'.repeat(MAX_LINE - 1);
    s.push(long + '\n');
    expect(lines).toEqual([long]);
    expect(overlong).toEqual([]);
  });
});
