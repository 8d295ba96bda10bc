import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../main/core/errors/codes.js';
import { isWxError, type WxError } from '../../main/core/errors/wx-error.js';
import { readIdFile, type IdFileShape, type IdRow } from '../../main/core/ids/id-file.js';
import { tmpDir } from '../helpers/tmp.js';

// Id files as factories save them (zh-CN Excel: GBK), and files that must be refused whole.

const TEXT = 'device_id,sn,备注\r\nDEV-1,S1,设备一号\r\nDEV-2,S2,"二号机, 备用"\r\n';
const ROWS: IdRow[] = [
  { line: 2, device_id: 'DEV-1', extra: { sn: 'S1', 备注: '设备一号' } },
  { line: 3, device_id: 'DEV-2', extra: { sn: 'S2', 备注: '二号机, 备用' } },
];

const gb18030 = (text: string): Buffer => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: text });
const BOM8 = Buffer.from([0xef, 0xbb, 0xbf]);

function file(bytes: Buffer | string, name = 'ids.csv'): string {
  const f = path.join(tmpDir(), name);
  fs.writeFileSync(f, bytes);
  return f;
}

async function readAll(f: string): Promise<{ rows: IdRow[]; shape?: IdFileShape }> {
  let shape: IdFileShape | undefined;
  const rows: IdRow[] = [];
  for await (const r of readIdFile(f, (s) => (shape = s))) rows.push(r);
  return { rows, shape };
}

/** The refusal, and how many rows had been given out before it (must be none). */
async function refusal(f: string): Promise<{ err: WxError; given: number }> {
  let given = 0;
  try {
    for await (const _ of readIdFile(f)) given++;
  } catch (e) {
    if (isWxError(e)) return { err: e, given };
    throw e;
  }
  throw new Error(`not refused; ${given} rows given`);
}

/** `n` good data lines after a header; line k of the file is data line k - 1. */
const body = (n: number, at?: { line: number; text: string }) => {
  const lines = ['device_id,sn'];
  for (let line = 2; line <= n + 1; line++) lines.push(at?.line === line ? at.text : `ID${line},SN${line}`);
  return lines.join('\n') + '\n';
};

async function expectRefused(f: string, code: ErrorCode, line: number): Promise<WxError> {
  const { err, given } = await refusal(f);
  expect(err.code).toBe(code);
  expect(err.params.line).toBe(line);
  expect(err.params.path).toBe(f);
  expect(err.message).toContain(`Line ${line} of`);
  expect(err.toPayload().message_zh).toContain(`第 ${line} 行`);
  expect(given, 'no row is given out before the whole file is checked').toBe(0);
  return err;
}

describe('readIdFile: encodings factories use', () => {
  it('UTF-8 with and without BOM, UTF-16LE/BE with BOM and GB18030 (GBK) give the same ids and the same decoded extra columns', async () => {
    const forms: Record<string, Buffer> = {
      'utf-8': Buffer.from(TEXT),
      'utf-8 bom': Buffer.concat([BOM8, Buffer.from(TEXT)]),
      'utf-16le bom': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]),
      'utf-16be bom': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(TEXT, 'utf16le').swap16()]),
      gb18030: gb18030(TEXT),
    };
    for (const [name, bytes] of Object.entries(forms)) {
      const r = await readAll(file(bytes));
      expect(r.shape, name).toEqual({ kind: 'csv', extraColumns: ['sn', '备注'] });
      expect(r.rows, name).toEqual(ROWS);
    }
  });

  it('reads hand-written GBK bytes ("设备" = C9 E8 B1 B8) in a plain list and a CSV cell', async () => {
    const bytes = Buffer.from([...Buffer.from('device_id,note\nD-1,'), 0xc9, 0xe8, 0xb1, 0xb8, 0x0a]);
    expect((await readAll(file(bytes))).rows).toEqual([{ line: 2, device_id: 'D-1', extra: { note: '设备' } }]);
  });

  it('reads a file whose GBK text starts after 1 MB of ASCII as GBK throughout', async () => {
    const head = body(70_000);
    expect(head.length).toBeGreaterThan(1_000_000);
    const f = file(Buffer.concat([Buffer.from(head), gb18030('LATE-1,设备一号\n')]));
    const { rows } = await readAll(f);
    expect(rows).toHaveLength(70_001);
    expect(rows[0]).toEqual({ line: 2, device_id: 'ID2', extra: { sn: 'SN2' } });
    expect(rows[70_000]).toEqual({ line: 70_002, device_id: 'LATE-1', extra: { sn: '设备一号' } });
  });
});

describe('readIdFile: refused whole, with the line, before any row is given out', () => {
  it('a NUL byte deep in the file', async () => {
    const err = await expectRefused(file(body(5000, { line: 4500, text: 'ID4500\u0000,SN' })), 'INPUT_FILE_BINARY', 4500);
    expect(err.params.detail).toMatch(/NUL/);
  });

  it('binary junk: control characters, an .xlsx, UTF-16 without a BOM', async () => {
    await expectRefused(file(body(10, { line: 7, text: 'ID7,\u0007\u0001' })), 'INPUT_FILE_BINARY', 7);
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), Buffer.from('[Content_Types].xml')]);
    await expectRefused(file(xlsx, 'ids.xlsx'), 'INPUT_FILE_BINARY', 1);
    await expectRefused(file(Buffer.from('device_id\r\nA1\r\n', 'utf16le')), 'INPUT_FILE_BINARY', 1);
    const { err } = await refusal(file('ok\n' + 'z'.repeat(200_000)));
    expect(err.code).toBe('INPUT_FILE_BINARY');
    expect(err.params.line).toBe(2);
  });

  it('bytes invalid in the encoding: a UTF-8 BOM file with a stray byte, a GBK file with a broken character', async () => {
    const f8 = file(Buffer.concat([BOM8, Buffer.from(body(3000, { line: 2999, text: 'ID2999,X' })).map((b) => (b === 0x58 ? 0xff : b))]));
    const e8 = await expectRefused(f8, 'INPUT_FILE_ENCODING', 2999);
    expect(e8.params.encoding).toBe('UTF-8 (BOM)');
    const gbk = Buffer.concat([gb18030('device_id,备注\nA1,设备\n'), Buffer.from([0x41, 0x32, 0x2c, 0xff, 0x0a])]);
    const eg = await expectRefused(file(gbk), 'INPUT_FILE_ENCODING', 3);
    expect(eg.params.encoding).toBe('UTF-8 or GB18030/GBK');
  });

  it('a repeated header row (two exports pasted together), with or without its BOM, and a header inside a plain list', async () => {
    await expectRefused(file(body(5000, { line: 4001, text: 'device_id,sn' })), 'INPUT_FILE_REPEATED_HEADER', 4001);
    await expectRefused(file(body(10, { line: 5, text: '\uFEFFDevice_ID , SN' })), 'INPUT_FILE_REPEATED_HEADER', 5);
    await expectRefused(file(body(10, { line: 5, text: 'sn,device_id' })), 'INPUT_FILE_REPEATED_HEADER', 5);
    await expectRefused(file('A1\nA2\ndevice_id\nA3\n'), 'INPUT_FILE_REPEATED_HEADER', 3);
  });

  it('a directory, or anything that cannot be read twice', async () => {
    const { err } = await refusal(tmpDir());
    expect(err.code).toBe('FILE_UNREADABLE');
  });
});
