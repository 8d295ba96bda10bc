import type Database from 'better-sqlite3';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../main/core/ids/csv.js';
import { exportRecords, RECORD_COLUMNS, type RecordFilter } from '../../main/core/registry/records.js';
import { MIGRATIONS } from '../../main/core/db/migrations/index.js';
import { addProduct, dbAt } from '../helpers/db.js';
import { searchDevices, type DeviceFilter } from '../../main/core/registry/search.js';

/** The schema as the app runs it. */
const LATEST = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The keys every exported record carries (the brief's list; RECORD_COLUMNS may add more). */
const REQUIRED_KEYS = ['device_id', 'product_id', 'key_version', 'signature', 'hwid', 'status', 'station', 'port', 'created_at', 'synced_at'];

class Collect extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

async function run(db: Database.Database, filter: RecordFilter, format: 'csv' | 'json'): Promise<{ n: number; text: string; bytes: Buffer }> {
  const out = new Collect({ highWaterMark: 16 });
  const n = await exportRecords(db, filter, format, out);
  return { n, text: out.text(), bytes: Buffer.concat(out.chunks) };
}

interface Dev {
  product_id: number;
  device_id: string;
  created_at: string;
  key_version?: number | null;
  signature?: string | null;
  hwid?: string | null;
  sn?: string | null;
  status?: string;
  port?: string | null;
  synced_at?: string | null;
  last_error?: string | null;
  operator?: string;
}

function insert(db: Database.Database, d: Dev): void {
  db.prepare(
    `INSERT INTO devices (product_id, device_id, key_version, signature, hwid, sn, status, station, operator, port, created_at, updated_at, synced_at, last_error)
     VALUES (@product_id, @device_id, @key_version, @signature, @hwid, @sn, @status, 'A1', @operator, @port, @created_at, @created_at, @synced_at, @last_error)`,
  ).run({ key_version: null, signature: null, hwid: null, sn: null, status: 'allocated', port: null, synced_at: null, last_error: null, operator: 'op', ...d });
}

function ledger(): Database.Database {
  const db = dbAt(LATEST);
  addProduct(db, 1);
  addProduct(db, 2);
  insert(db, { product_id: 1, device_id: '000123', created_at: '2026-01-02T10:00:00.000Z', key_version: 1, signature: 'MEUCIQ+/abc==', hwid: 'aabbcc', sn: 'SN-1', status: 'verified', port: 'COM3', synced_at: '2026-01-02T10:05:00.000Z', operator: '张三' });
  insert(db, { product_id: 2, device_id: 'B-1', created_at: '2026-01-01T09:00:00.000Z', status: 'failed', last_error: 'adddevice: WX_INVALID_ARGS (40097): device_id "B-1", refused' });
  insert(db, { product_id: 1, device_id: 'A_9', created_at: '2026-01-03T00:00:00.000Z' });
  insert(db, { product_id: 1, device_id: 'A_10', created_at: '2026-01-02T10:00:00.000Z' });
  return db;
}

/** Splits a CSV document on CRLF, checking no bare LF or CR ends a line. */
function csvLines(text: string): string[] {
  expect(text.endsWith('\r\n')).toBe(true);
  const lines = text.slice(0, -2).split('\r\n');
  for (const l of lines) expect(l, 'no bare line ends').not.toMatch(/[\r\n]/);
  return lines;
}

const QUOTED_FIELDS = /^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$/;

describe('exportRecords: CSV', () => {
  it('starts with a UTF-8 BOM, then the RECORD_COLUMNS header, every field quoted, CRLF line ends', async () => {
    const { n, text, bytes } = await run(ledger(), {}, 'csv');
    expect(n).toBe(4);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csvLines(text.slice(1));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(RECORD_COLUMNS.map((c) => `"${c}"`).join(','));
    for (const l of lines) {
      expect(l).toMatch(QUOTED_FIELDS);
      expect(parseCsvLine(l)).toHaveLength(RECORD_COLUMNS.length);
    }
  });

  it('writes each row under its header, oldest first; nulls as empty quoted fields; commas, quotes and Chinese survive', async () => {
    const { text } = await run(ledger(), {}, 'csv');
    const [header, ...rows] = csvLines(text.slice(1)).map(parseCsvLine);
    const recs = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    expect(recs.map((r) => r.device_id)).toEqual(['B-1', '000123', 'A_10', 'A_9']); // created_at, then id
    expect(recs[1]).toMatchObject({ device_id: '000123', product_id: '1', key_version: '1', signature: 'MEUCIQ+/abc==', hwid: 'aabbcc', status: 'verified', station: 'A1', port: 'COM3', synced_at: '2026-01-02T10:05:00.000Z', sn: 'SN-1', operator: '张三' });
    expect(recs[0].last_error).toBe('adddevice: WX_INVALID_ARGS (40097): device_id "B-1", refused');
    expect(recs[0].hwid).toBe('');
    expect(text).toContain('"adddevice: WX_INVALID_ARGS (40097): device_id ""B-1"", refused"');
  });

  it('an empty ledger gives the BOM and the header only', async () => {
    const db = dbAt(LATEST);
    const { n, text } = await run(db, {}, 'csv');
    expect(n).toBe(0);
    expect(text).toBe('\uFEFF' + RECORD_COLUMNS.map((c) => `"${c}"`).join(',') + '\r\n');
  });
});

describe('exportRecords: JSON', () => {
  it('is one valid JSON array of objects with the record keys', async () => {
    const { n, text } = await run(ledger(), {}, 'json');
    expect(n).toBe(4);
    const doc = JSON.parse(text) as Record<string, unknown>[];
    expect(Array.isArray(doc)).toBe(true);
    expect(doc).toHaveLength(4);
    for (const r of doc) {
      expect(Object.keys(r)).toEqual([...RECORD_COLUMNS]);
      for (const k of REQUIRED_KEYS) expect(r).toHaveProperty(k);
    }
    expect(doc[1]).toMatchObject({ device_id: '000123', product_id: 1, key_version: 1, signature: 'MEUCIQ+/abc==', hwid: 'aabbcc', status: 'verified', station: 'A1', port: 'COM3', created_at: '2026-01-02T10:00:00.000Z', synced_at: '2026-01-02T10:05:00.000Z' });
    expect(doc[0]).toMatchObject({ device_id: 'B-1', hwid: null, key_version: null, synced_at: null });
  });

  it('an empty ledger gives []', async () => {
    const { n, text } = await run(dbAt(LATEST), {}, 'json');
    expect(n).toBe(0);
    expect(JSON.parse(text)).toEqual([]);
    expect(text.trim()).toBe('[]');
  });

  it('stays valid JSON past a flush boundary (thousands of rows)', async () => {
    const db = dbAt(LATEST);
    addProduct(db, 1);
    const ins = db.transaction(() => {
      for (let i = 0; i < 2500; i++) insert(db, { product_id: 1, device_id: `D${String(i).padStart(5, '0')}`, created_at: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z` });
    });
    ins();
    const { n, text } = await run(db, {}, 'json');
    expect(n).toBe(2500);
    const doc = JSON.parse(text) as { device_id: string }[];
    expect(new Set(doc.map((d) => d.device_id)).size).toBe(2500);
    const csv = await run(db, {}, 'csv');
    expect(csvLines(csv.text.slice(1))).toHaveLength(2501);
  });
});

describe('exportRecords: filters', () => {
  it('--product keeps only that product', async () => {
    const db = ledger();
    const json = JSON.parse((await run(db, { product_id: 2 }, 'json')).text) as { device_id: string; product_id: number }[];
    expect(json.map((r) => r.device_id)).toEqual(['B-1']);
    const csv = await run(db, { product_id: 1 }, 'csv');
    expect(csv.n).toBe(3);
    expect(csvLines(csv.text.slice(1)).slice(1).map((l) => parseCsvLine(l)[0])).toEqual(['000123', 'A_10', 'A_9']);
  });

  it('--since keeps rows created at or after it (a date or a timestamp)', async () => {
    const db = ledger();
    const ids = async (f: RecordFilter) => (JSON.parse((await run(db, f, 'json')).text) as { device_id: string }[]).map((r) => r.device_id);
    expect(await ids({ since: '2026-01-02' })).toEqual(['000123', 'A_10', 'A_9']);
    expect(await ids({ since: '2026-01-02T10:00:00.000Z' })).toEqual(['000123', 'A_10', 'A_9']);
    expect(await ids({ since: '2026-01-02T10:00:00.001Z' })).toEqual(['A_9']);
    expect(await ids({ since: '2027-01-01' })).toEqual([]);
    expect(await ids({ since: '2026-01-02', product_id: 2 })).toEqual([]);
    expect(await ids({ since: '2026-01-01', product_id: 2 })).toEqual(['B-1']);
    const empty = await run(db, { since: '2027-01-01' }, 'csv');
    expect(empty.n).toBe(0);
    expect(csvLines(empty.text.slice(1))).toEqual([RECORD_COLUMNS.map((c) => `"${c}"`).join(',')]);
  });
});

describe('exportRecords: the records screen’s filters', () => {
  /** Every row records.search shows for a filter, page after page, as the screen loads them. */
  function shown(db: Database.Database, f: DeviceFilter): string[] {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = searchDevices(db, { ...f, limit: 3, ...(cursor ? { cursor } : {}) });
      ids.push(...page.rows.map((r) => r.device_id));
      cursor = page.next ?? undefined;
    } while (cursor);
    return ids;
  }

  it('exports exactly the rows the search shows across all its pages, for every filter', async () => {
    const db = dbAt(LATEST);
    addProduct(db, 1);
    addProduct(db, 2);
    const statuses = ['verified', 'failed', 'allocated', 'written', 'void'];
    db.transaction(() => {
      for (let i = 0; i < 40; i++) {
        insert(db, {
          product_id: 1 + (i % 2),
          device_id: `${i % 3 === 0 ? 'FR' : 'LP'}${String(i).padStart(4, '0')}`,
          created_at: `2026-11-${String(20 + (i % 8)).padStart(2, '0')}T0${i % 10}:00:00.000Z`,
          status: statuses[i % 5],
          hwid: `HW${i % 4}`,
        });
      }
    })();
    const filters: DeviceFilter[] = [
      {},
      { status: 'failed' },
      { product_id: 2, status: 'verified' },
      { device_id: 'FR*' },
      { device_id: 'LP0007' },
      { hwid: 'HW1', status: 'failed' },
      { from: '2026-11-22T00:00:00.000Z', to: '2026-11-25T00:00:00.000Z' },
      { device_id: 'LP*', product_id: 1, from: '2026-11-24T00:00:00.000Z' },
      { status: 'void', hwid: 'HW9' },
    ];
    for (const f of filters) {
      const want = shown(db, f);
      const got = (JSON.parse((await run(db, f, 'json')).text) as { device_id: string }[]).map((r) => r.device_id);
      expect(got.sort(), JSON.stringify(f)).toEqual([...want].sort());
    }
    // Not vacuous: the filters pick different, non-trivial sets.
    expect(shown(db, { status: 'failed' })).toHaveLength(8);
    expect(shown(db, { device_id: 'FR*' })).toHaveLength(14);
  });
});
