import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../main/core/ids/csv.js';
import { exportRecords } from '../../main/core/registry/records.js';
import { cli } from '../helpers/cli.js';
import { openLedger, withLedger } from '../helpers/crash.js';
import { tmpDir } from '../helpers/tmp.js';

// Id files as zh-CN factories save them, through the real CLI and a real SQLite ledger:
// GBK in, UTF-8 out; a file with junk, NULs or a repeated header queues and signs nothing.

const PID = 4242;
let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  home = tmpDir('wxprov-enc-');
  // No network: devices add and sign --file work offline.
  env = { WXPROV_HOME: home, WXPROV_API_BASE: 'http://127.0.0.1:9', WXPROV_OPERATOR: 'op1', WXPROV_KEY_PASSPHRASE: 'correct horse' };
  const p = await cli(['product', 'add', '--product', String(PID), '--model', 'MOD-1', '--json'], env);
  expect(p.code, p.stderr).toBe(0);
});

const gb18030 = (text: string): Buffer => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: text });
const GBK_CSV = gb18030('device_id,sn,备注\r\nGBK-1,设备一号,一号线\r\nGBK-2,设备二号,"二号线, 夜班"\r\n');

function write(name: string, bytes: Buffer | string): string {
  const f = path.join(home, name);
  fs.writeFileSync(f, bytes);
  return f;
}

/** `n` data lines after a header, with line `at.line` of the file replaced. */
function bigCsv(n: number, at: { line: number; text: string }): string {
  const lines = ['device_id,sn'];
  for (let line = 2; line <= n + 1; line++) lines.push(line === at.line ? at.text : `ID${line},SN${line}`);
  return lines.join('\r\n') + '\r\n';
}

const ledgerCounts = () =>
  withLedger(home, (db) => ({
    devices: (db.prepare('SELECT COUNT(*) AS n FROM devices').get() as { n: number }).n,
    outbox: (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n,
    audit: (db.prepare("SELECT COUNT(*) AS n FROM audit WHERE action = 'allocate'").get() as { n: number }).n,
  }));

async function importKey(): Promise<void> {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = write('k.pem', privateKey.export({ type: 'sec1', format: 'pem' }) as string);
  const k = await cli(['key', 'import', '--product', String(PID), '--key-version', '1', '--private-key', pem], env);
  expect(k.code, k.stderr).toBe(0);
}

describe('devices add --file: GBK in, UTF-8 out', () => {
  it('queues the ids of a GBK CSV and keeps its Chinese columns decoded; records exports them as UTF-8', async () => {
    const r = await cli(['devices', 'add', '--product', String(PID), '--file', write('gbk.csv', GBK_CSV), '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual({ queued: 2, duplicates: [], invalid: [] });
    const stored = withLedger(home, (db) => db.prepare('SELECT device_id, sn, extra FROM devices ORDER BY id').all());
    expect(stored).toEqual([
      { device_id: 'GBK-1', sn: '设备一号', extra: JSON.stringify({ sn: '设备一号', 备注: '一号线' }) },
      { device_id: 'GBK-2', sn: '设备二号', extra: JSON.stringify({ sn: '设备二号', 备注: '二号线, 夜班' }) },
    ]);

    // The bytes of the export, not a string some helper decoded: UTF-8, whatever came in.
    const chunks: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
    const db = openLedger(home);
    try {
      await exportRecords(db, {}, 'csv', sink);
    } finally {
      db.close();
    }
    const bytes = Buffer.concat(chunks);
    expect(bytes.includes(Buffer.from('"设备一号"', 'utf8'))).toBe(true);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toContain('"GBK-2"');

    const out = await cli(['records', '--format', 'csv'], env);
    expect(out.code, out.stderr).toBe(0);
    const [header, ...rows] = out.stdout.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean).map(parseCsvLine);
    const sn = header.indexOf('sn');
    expect(rows.map((x) => [x[0], x[sn]])).toEqual([
      ['GBK-1', '设备一号'],
      ['GBK-2', '设备二号'],
    ]);
  });
});

describe('devices add --file: a refused file leaves nothing queued, even past the first committed chunk', () => {
  const cases: { name: string; bytes: () => Buffer | string; code: string; line: number }[] = [
    { name: 'a NUL byte at line 4500', bytes: () => bigCsv(5000, { line: 4500, text: 'ID4500,\u0000' }), code: 'INPUT_FILE_BINARY', line: 4500 },
    { name: 'binary junk at line 4800', bytes: () => bigCsv(5000, { line: 4800, text: 'ID4800,\u0001\u0002\u0003' }), code: 'INPUT_FILE_BINARY', line: 4800 },
    { name: 'a repeated header at line 4001', bytes: () => bigCsv(5000, { line: 4001, text: 'device_id,sn' }), code: 'INPUT_FILE_REPEATED_HEADER', line: 4001 },
    {
      name: 'a broken GBK character at line 4999',
      bytes: () => Buffer.concat([gb18030(bigCsv(4997, { line: 2, text: 'ID2,设备' })), Buffer.from('ID4999,'), Buffer.from([0xff]), Buffer.from('\r\n')]),
      code: 'INPUT_FILE_ENCODING',
      line: 4999,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await cli(['devices', 'add', '--product', String(PID), '--file', write('ids.csv', c.bytes()), '--json'], env);
      // INPUT_* codes exit 2: the input is refused, as for bad usage.
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error ${c.code}: Line ${c.line} of `));
      expect(r.stderr).toContain(`第 ${c.line} 行`);
      expect(r.json).toMatchObject({ error: { code: c.code, params: { line: c.line } } });
      expect(ledgerCounts()).toEqual({ devices: 0, outbox: 0, audit: 0 });
      const q = await cli(['queue', '--json'], env);
      expect(q.json).toMatchObject({ pending: 0, failed: 0, synced: 0 });
    });
  }
});

describe('sign --file: GBK in, UTF-8 out; a refused file signs nothing', () => {
  it('signs a GBK CSV and writes its Chinese columns as UTF-8', async () => {
    await importKey();
    const r = await cli(['sign', '--product', String(PID), '--file', write('gbk.csv', GBK_CSV)], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map(parseCsvLine);
    expect(lines[0]).toEqual(['device_id', 'signature', 'sn', '备注']);
    expect(lines.slice(1).map((x) => [x[0], x[2], x[3]])).toEqual([
      ['GBK-1', '设备一号', '一号线'],
      ['GBK-2', '设备二号', '二号线, 夜班'],
    ]);
  });

  it('writes nothing to stdout for a file refused at its last line', async () => {
    await importKey();
    const r = await cli(['sign', '--product', String(PID), '--file', write('ids.csv', bigCsv(3000, { line: 3001, text: 'ID3001,\u0000' }))], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error INPUT_FILE_BINARY: Line 3001 of /);
    expect(r.stdout).toBe('');
  });
});
