import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bomEncoding, decodeFile, detectEncoding, type TextEncoding } from '../../main/core/ids/text-decode.js';
import { lineFault, LineTooLong, MAX_LINE_CHARS, splitLines } from '../../main/core/ids/text-lines.js';
import { tmpDir } from '../helpers/tmp.js';

// How id-file bytes become text: BOM, else whole-file UTF-8 check, else GB18030 — and lines.

const TEXT = 'device_id,备注\r\nDEV-1,设备一号\r\nDEV-2,二号机\r\n';
/** "设备" in GBK, written by hand so the test does not trust an encoder for the basics. */
const SHEBEI_GBK = [0xc9, 0xe8, 0xb1, 0xb8];

function gb18030(text: string): Buffer {
  return execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: text });
}
const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

/** One byte at a time: every multi-byte sequence and every CRLF is cut by a chunk boundary. */
const byteByByte = (bytes: Buffer) => async function* () {
  for (const b of bytes) yield Uint8Array.of(b);
};

async function decodeAll(bytes: Buffer, encoding: TextEncoding, chunked = false): Promise<string> {
  const dir = tmpDir();
  const f = path.join(dir, 'f.csv');
  fs.writeFileSync(f, bytes);
  let out = '';
  for await (const s of decodeFile(f, encoding, chunked ? byteByByte(bytes) : undefined)) out += s;
  return out;
}

async function detect(bytes: Buffer) {
  const f = path.join(tmpDir(), 'f.csv');
  fs.writeFileSync(f, bytes);
  return detectEncoding(f);
}

async function lines(chunks: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const l of splitLines((async function* () { yield* chunks; })())) out.push(l);
  return out;
}

describe('detectEncoding', () => {
  it('takes a BOM at its word', async () => {
    expect((await detect(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]))).encoding).toBe('utf-8');
    expect((await detect(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]))).encoding).toBe('utf-16le');
    expect((await detect(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)]))).encoding).toBe('utf-16be');
    expect(bomEncoding(Buffer.from('abc'))).toBeUndefined();
  });

  it('reads valid UTF-8 without a BOM as UTF-8, and GBK (hand-written or from iconv) as GB18030', async () => {
    expect(await detect(Buffer.from(TEXT))).toEqual({ encoding: 'utf-8', label: 'UTF-8' });
    expect((await detect(Buffer.from([...Buffer.from('device_id,x\nA,'), ...SHEBEI_GBK, 0x0a]))).encoding).toBe('gb18030');
    expect((await detect(gb18030(TEXT))).encoding).toBe('gb18030');
  });

  it('checks the whole file, not the first chunk: GBK after 1 MB of ASCII is still GB18030', async () => {
    const ascii = 'device_id,备注\n'.replace('备注', 'note') + Array.from({ length: 100_000 }, (_, i) => `ID${i},plain\n`).join('');
    expect(ascii.length).toBeGreaterThan(1_000_000);
    const bytes = Buffer.concat([Buffer.from(ascii), gb18030('LATE-1,设备一号\n')]);
    expect((await detect(bytes)).encoding).toBe('gb18030');
    const text = await decodeAll(bytes, 'gb18030');
    expect(text.endsWith('LATE-1,设备一号\n')).toBe(true);
    expect(text.startsWith('device_id,note\nID0,plain\n')).toBe(true);
  });

  it('does not guess UTF-16 without a BOM: whatever it is read as, its NULs stay for the line check', async () => {
    for (const bytes of [Buffer.from(TEXT, 'utf16le'), utf16be(TEXT), Buffer.from('device_id\nA1\n', 'utf16le')]) {
      const { encoding } = await detect(bytes);
      expect(encoding).not.toMatch(/utf-16/);
      expect(await decodeAll(bytes, encoding)).toContain('\u0000');
    }
  });
});

describe('decodeFile', () => {
  it('gives the same text for UTF-8 (with or without BOM), UTF-16LE/BE with BOM and GB18030, whole or cut at every byte', async () => {
    const forms: [Buffer, TextEncoding][] = [
      [Buffer.from(TEXT), 'utf-8'],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]), 'utf-8'],
      [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]), 'utf-16le'],
      [Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)]), 'utf-16be'],
      [gb18030(TEXT), 'gb18030'],
    ];
    for (const [bytes, enc] of forms) {
      expect(await decodeAll(bytes, enc), enc).toBe(TEXT);
      expect(await decodeAll(bytes, enc, true), `${enc} byte by byte`).toBe(TEXT);
    }
  });

  it('turns bytes that are invalid in the encoding into U+FFFD for the line check to find', async () => {
    expect(await decodeAll(Buffer.from([0x41, 0xff, 0x42]), 'utf-8')).toBe('A\uFFFDB');
    expect(await decodeAll(Buffer.from([0x41, 0xff, 0x42]), 'gb18030')).toContain('\uFFFD');
  });
});

describe('splitLines', () => {
  it('splits on LF, CRLF and a lone CR, as readline counts lines', async () => {
    expect(await lines(['a\nb\r\nc\rd'])).toEqual(['a', 'b', 'c', 'd']);
    expect(await lines(['a\n\nb\n'])).toEqual(['a', '', 'b']);
    expect(await lines(['a\r'])).toEqual(['a']);
  });

  it('keeps a CRLF cut by a chunk boundary as one line end', async () => {
    expect(await lines(['a\r', '\nb\r', '\r\nc'])).toEqual(['a', 'b', '', 'c']);
    expect(await lines([...'x\r\ny\r\n'])).toEqual(['x', 'y']);
  });

  it('refuses a line that never ends, naming it, instead of holding it in memory', async () => {
    const big = 'y'.repeat(MAX_LINE_CHARS + 10);
    const err = await lines(['ok\n', big.slice(0, 40_000), big.slice(40_000)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LineTooLong);
    expect((err as LineTooLong).line).toBe(2);
  });
});

describe('lineFault', () => {
  it('passes text with tabs and Chinese, and names NUL, control characters and U+FFFD', () => {
    expect(lineFault('DEV-1,\t设备,"a, b"')).toBeUndefined();
    expect(lineFault('DEV\u00001')).toEqual({ kind: 'binary', detail: 'a NUL byte at column 4' });
    expect(lineFault('PK\u0003\u0004')).toEqual({ kind: 'binary', detail: 'control character U+0003 at column 3' });
    expect(lineFault('a\u0085')).toMatchObject({ kind: 'binary' });
    expect(lineFault('a\uFFFDb')).toEqual({ kind: 'encoding' });
  });
});
