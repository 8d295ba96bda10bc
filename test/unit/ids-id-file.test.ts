import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readIdFile, readIdLines, type IdFileShape, type IdRow } from '../../main/core/ids/id-file.js';
import { WxError } from '../../main/core/errors/wx-error.js';

/** Splits text on \n only, as a byte stream would arrive, so CRLF leaves a trailing \r. */
async function* linesOf(text: string): AsyncGenerator<string> {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  for (const p of parts) yield p;
}

async function read(text: string): Promise<{ rows: IdRow[]; shapes: IdFileShape[] }> {
  const shapes: IdFileShape[] = [];
  const rows: IdRow[] = [];
  for await (const r of readIdLines(linesOf(text), (s) => shapes.push(s))) rows.push(r);
  return { rows, shapes };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-ids-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('readIdLines: CSV with a device_id header', () => {
  it('finds device_id in any column and keeps the others by header name', async () => {
    const { rows, shapes } = await read('sn,device_id,mac\nS1,DEV-1,aa:bb\nS2,DEV-2,cc:dd\n');
    expect(shapes).toEqual([{ kind: 'csv', extraColumns: ['sn', 'mac'] }]);
    expect(rows).toEqual([
      { line: 2, device_id: 'DEV-1', extra: { sn: 'S1', mac: 'aa:bb' } },
      { line: 3, device_id: 'DEV-2', extra: { sn: 'S2', mac: 'cc:dd' } },
    ]);
  });

  it('works with device_id first, last, or alone', async () => {
    expect((await read('device_id,batch\nA,7\n')).rows).toEqual([{ line: 2, device_id: 'A', extra: { batch: '7' } }]);
    expect((await read('batch,device_id\n7,A\n')).rows).toEqual([{ line: 2, device_id: 'A', extra: { batch: '7' } }]);
    const alone = await read('device_id\nA\nB\n');
    expect(alone.shapes).toEqual([{ kind: 'csv', extraColumns: [] }]);
    expect(alone.rows).toEqual([
      { line: 2, device_id: 'A', extra: {} },
      { line: 3, device_id: 'B', extra: {} },
    ]);
  });

  it('strips a BOM, handles CRLF, skips blank lines and reports file line numbers', async () => {
    const text = '\uFEFFsn,device_id\r\n\r\nS1,DEV-1\r\n   \r\nS2,DEV-2\r\n\r\n';
    const { rows, shapes } = await read(text);
    expect(shapes).toEqual([{ kind: 'csv', extraColumns: ['sn'] }]);
    expect(rows).toEqual([
      { line: 3, device_id: 'DEV-1', extra: { sn: 'S1' } },
      { line: 5, device_id: 'DEV-2', extra: { sn: 'S2' } },
    ]);
    for (const r of rows) expect(r.device_id).not.toMatch(/[\r\uFEFF]/);
  });

  it('finds the header after leading blank lines and matches it case- and space-insensitively', async () => {
    const { rows, shapes } = await read('\n\n SN , Device_ID \nS1, DEV-1 \n');
    expect(shapes).toEqual([{ kind: 'csv', extraColumns: ['SN'] }]);
    expect(rows).toEqual([{ line: 4, device_id: 'DEV-1', extra: { SN: 'S1' } }]);
  });

  it('reads quoted cells and gives missing cells as empty strings', async () => {
    const { rows } = await read('note,device_id,mac\n"a, ""b""",DEV-1,m1\nonly-note\n,DEV-3\n');
    expect(rows).toEqual([
      { line: 2, device_id: 'DEV-1', extra: { note: 'a, "b"', mac: 'm1' } },
      { line: 3, device_id: '', extra: { note: 'only-note', mac: '' } },
      { line: 4, device_id: 'DEV-3', extra: { note: '', mac: '' } },
    ]);
  });
});

describe('readIdLines: plain, one id per line', () => {
  it('has no header: the first line is an id; ids are trimmed; blank lines skipped', async () => {
    const { rows, shapes } = await read('\uFEFFDEV-1\r\nDEV-2\n\n  DEV-3  \r\n');
    expect(shapes).toEqual([{ kind: 'plain', extraColumns: [] }]);
    expect(rows).toEqual([
      { line: 1, device_id: 'DEV-1', extra: {} },
      { line: 2, device_id: 'DEV-2', extra: {} },
      { line: 4, device_id: 'DEV-3', extra: {} },
    ]);
  });

  it('passes odd lines through unchanged for the validator to judge', async () => {
    const { rows } = await read('A\nhas space\n中文\nx,y\n');
    expect(rows.map((r) => r.device_id)).toEqual(['A', 'has space', '中文', 'x,y']);
  });

  it('yields nothing and decides no shape for an empty or blank input', async () => {
    expect(await read('')).toEqual({ rows: [], shapes: [] });
    expect(await read('\n\r\n  \n')).toEqual({ rows: [], shapes: [] });
  });

  it('reports the shape before the first row arrives', async () => {
    const shapes: IdFileShape[] = [];
    const it = readIdLines(linesOf('sn,device_id\nS,D\n'), (s) => shapes.push(s));
    const first = await it.next();
    expect(first.value).toMatchObject({ device_id: 'D' });
    expect(shapes).toHaveLength(1);
  });
});

describe('readIdFile', () => {
  it('reads a real CRLF file with a BOM through readline', async () => {
    const f = path.join(tmp, 'ids.csv');
    fs.writeFileSync(f, '\uFEFFdevice_id,sn\r\nDEV-1,S1\r\n\r\nDEV-2,S2');
    let shape: IdFileShape | undefined;
    const rows: IdRow[] = [];
    for await (const r of readIdFile(f, (s) => (shape = s))) rows.push(r);
    expect(shape).toEqual({ kind: 'csv', extraColumns: ['sn'] });
    expect(rows).toEqual([
      { line: 2, device_id: 'DEV-1', extra: { sn: 'S1' } },
      { line: 4, device_id: 'DEV-2', extra: { sn: 'S2' } },
    ]);
  });

  it('refuses a missing file with FILE_UNREADABLE', () => {
    let err: unknown;
    try {
      readIdFile(path.join(tmp, 'nope.csv'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WxError);
    expect((err as WxError).code).toBe('FILE_UNREADABLE');
    expect((err as WxError).params.detail).toBe('ENOENT');
  });
});
