import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { WxError } from '../../main/core/errors/wx-error.js';
import type { DeviceRow, DeviceStatus } from '../../main/core/registry/device-store.js';
import { MAX_PAGE, PREFIX_FEW, RECENT_WINDOW, searchDevices, type DeviceQuery } from '../../main/core/registry/search.js';
import { MIGRATIONS } from '../../main/core/db/migrations/index.js';
import { addProduct, dbAt } from '../helpers/db.js';

/** The schema as the app runs it. */
const LATEST = MIGRATIONS[MIGRATIONS.length - 1].version;

const STATUSES: DeviceStatus[] = ['allocated', 'written', 'verified', 'failed', 'void'];

interface Seed {
  product_id: number;
  device_id: string;
  hwid: string | null;
  status: DeviceStatus;
  created_at: string;
}

function insert(db: Database.Database, s: Seed): number {
  return Number(
    db
      .prepare(
        `INSERT INTO devices (product_id, device_id, hwid, status, station, operator, created_at, updated_at)
         VALUES (@product_id, @device_id, @hwid, @status, 'A1', 'op', @created_at, @created_at)`,
      )
      .run(s).lastInsertRowid,
  );
}

/**
 * 300 devices over two products. Timestamps repeat in runs (bulk adds stamp a whole chunk with
 * one time) and are not in id order, so paging has to break ties by id.
 */
function ledger(): { db: Database.Database; rows: (Seed & { id: number })[] } {
  const db = dbAt(LATEST);
  addProduct(db, 1);
  addProduct(db, 2);
  const rows: (Seed & { id: number })[] = [];
  for (let i = 0; i < 300; i++) {
    const day = 1 + ((i * 7) % 28); // not monotonic in i
    const minute = Math.floor(i / 40); // runs of equal timestamps
    const s: Seed = {
      product_id: i % 3 === 0 ? 2 : 1,
      device_id: i % 10 === 0 ? `AB${i}` : i % 10 === 1 ? `ABC_${i}` : i % 10 === 2 ? `Ab${i}` : `X-${String(i).padStart(4, '0')}`,
      hwid: i % 4 === 0 ? null : `hw${i % 50}`,
      status: STATUSES[i % STATUSES.length],
      created_at: `2026-02-${String(day).padStart(2, '0')}T08:${String(minute).padStart(2, '0')}:00.000Z`,
    };
    rows.push({ ...s, id: insert(db, s) });
  }
  return { db, rows };
}

/** What a newest-first search must return, in order. */
const newestFirst = (rows: (Seed & { id: number })[]) =>
  [...rows].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.id - a.id)).map((r) => r.id);

function walk(db: Database.Database, q: DeviceQuery): { ids: number[]; pages: number; rows: DeviceRow[] } {
  const all: DeviceRow[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = searchDevices(db, { ...q, cursor });
    pages++;
    expect(page.rows.length).toBeLessThanOrEqual(Math.min(Math.max(q.limit ?? 50, 1), MAX_PAGE));
    all.push(...page.rows);
    if (page.next === null) break;
    expect(page.rows.length, 'a page with a next cursor is full').toBe(Math.min(Math.max(q.limit ?? 50, 1), MAX_PAGE));
    cursor = page.next;
    if (pages > 1000) throw new Error('paging does not end');
  }
  return { ids: all.map((r) => r.id), pages, rows: all };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof WxError ? e.code : `not a WxError: ${String(e)}`;
  }
  return 'no error';
}

describe('searchDevices: keyset paging', () => {
  it('walks the whole ledger newest first, every row exactly once, whatever the page size', () => {
    const { db, rows } = ledger();
    const expected = newestFirst(rows);
    for (const limit of [1, 7, 40, 50, 299, 300, 301, MAX_PAGE]) {
      const { ids, pages } = walk(db, { limit });
      expect(ids, `limit ${limit}`).toEqual(expected);
      expect(new Set(ids).size).toBe(rows.length);
      expect(pages).toBe(Math.max(1, Math.ceil(rows.length / limit)));
    }
  });

  it('defaults to 50 rows a page and clamps the limit to 1..MAX_PAGE', () => {
    const { db } = ledger();
    expect(searchDevices(db, {}).rows).toHaveLength(50);
    expect(searchDevices(db, { limit: 0 }).rows).toHaveLength(1);
    expect(searchDevices(db, { limit: -5 }).rows).toHaveLength(1);
    const big = dbAt(LATEST);
    addProduct(big, 1);
    for (let i = 0; i < MAX_PAGE + 20; i++) insert(big, { product_id: 1, device_id: `D${i}`, hwid: null, status: 'allocated', created_at: '2026-01-01T00:00:00.000Z' });
    const page = searchDevices(big, { limit: 100_000 });
    expect(page.rows).toHaveLength(MAX_PAGE);
    expect(page.next).not.toBeNull();
  });

  it('keeps every filter while paging, and pages through each filtered set exactly once', () => {
    const { db, rows } = ledger();
    const cases: [DeviceQuery, (r: Seed) => boolean][] = [
      [{ product_id: 2 }, (r) => r.product_id === 2],
      [{ status: 'failed' }, (r) => r.status === 'failed'],
      [{ hwid: 'hw7' }, (r) => r.hwid === 'hw7'],
      [{ device_id: 'AB*' }, (r) => r.device_id.startsWith('AB')],
      [{ from: '2026-02-10', to: '2026-02-20' }, (r) => r.created_at >= '2026-02-10' && r.created_at < '2026-02-20'],
      [{ product_id: 1, status: 'verified', from: '2026-02-05T00:00:00.000Z' }, (r) => r.product_id === 1 && r.status === 'verified' && r.created_at >= '2026-02-05T00:00:00.000Z'],
    ];
    for (const [q, keep] of cases) {
      const expected = newestFirst(rows.filter(keep));
      expect(expected.length, JSON.stringify(q)).toBeGreaterThan(0);
      for (const limit of [3, 50]) expect(walk(db, { ...q, limit }).ids, JSON.stringify({ q, limit })).toEqual(expected);
    }
  });

  it('a cursor is a position, not an offset: rows added since do not shift the pages already read', () => {
    const { db, rows } = ledger();
    const first = searchDevices(db, { limit: 20 });
    // A newer row arrives while the user reads page one.
    insert(db, { product_id: 1, device_id: 'NEWEST', hwid: null, status: 'allocated', created_at: '2026-03-01T00:00:00.000Z' });
    const second = searchDevices(db, { limit: 20, cursor: first.next! });
    expect([...first.rows, ...second.rows].map((r) => r.id)).toEqual(newestFirst(rows).slice(0, 40));
  });
});

describe('searchDevices: filters', () => {
  it('by product', () => {
    const { db, rows } = ledger();
    const got = searchDevices(db, { product_id: 2, limit: MAX_PAGE }).rows;
    expect(got.map((r) => r.id)).toEqual(newestFirst(rows.filter((r) => r.product_id === 2)));
    expect(searchDevices(db, { product_id: 99 })).toEqual({ rows: [], next: null });
  });

  it('by exact device id: only that id, not ids that start with it', () => {
    const { db } = ledger();
    const got = searchDevices(db, { device_id: 'AB10' }).rows;
    expect(got.map((r) => r.device_id)).toEqual(['AB10']);
    expect(searchDevices(db, { device_id: 'AB' }).rows).toEqual([]);
    expect(searchDevices(db, { device_id: 'ab10' }).rows).toEqual([]); // ids are case-sensitive
  });

  it('by device id prefix (ending in *): exactly the ids that start with it, case-sensitive', () => {
    const { db, rows } = ledger();
    const prefixes = ['AB', 'ABC_', 'Ab', 'X-00', 'X-029', 'A', 'Z', ''];
    for (const p of prefixes) {
      const got = searchDevices(db, { device_id: `${p}*`, limit: MAX_PAGE }).rows;
      expect(got.map((r) => r.id), p).toEqual(newestFirst(rows.filter((r) => r.device_id.startsWith(p))));
      for (const r of got) expect(r.device_id.startsWith(p)).toBe(true);
    }
    // A prefix ending in the highest id characters still finds what follows it.
    const db2 = dbAt(LATEST);
    addProduct(db2, 1);
    for (const id of ['z', 'z_', 'z-', 'zz', 'zzz9', 'y', '_', '-']) insert(db2, { product_id: 1, device_id: id, hwid: null, status: 'allocated', created_at: '2026-01-01T00:00:00.000Z' });
    expect(searchDevices(db2, { device_id: 'z*' }).rows.map((r) => r.device_id).sort()).toEqual(['z', 'z-', 'z_', 'zz', 'zzz9']);
    expect(searchDevices(db2, { device_id: 'zz*' }).rows.map((r) => r.device_id).sort()).toEqual(['zz', 'zzz9']);
    expect(searchDevices(db2, { device_id: '_*' }).rows.map((r) => r.device_id)).toEqual(['_']);
  });

  it('by hwid', () => {
    const { db, rows } = ledger();
    const got = searchDevices(db, { hwid: 'hw3', limit: MAX_PAGE }).rows;
    expect(got.length).toBeGreaterThan(0);
    expect(got.map((r) => r.id)).toEqual(newestFirst(rows.filter((r) => r.hwid === 'hw3')));
    expect(searchDevices(db, { hwid: 'hw' }).rows).toEqual([]);
  });

  it('by status, and an unknown status is INPUT_INVALID', () => {
    const { db, rows } = ledger();
    for (const s of STATUSES) {
      const got = searchDevices(db, { status: s, limit: MAX_PAGE }).rows;
      expect(got.map((r) => r.id), s).toEqual(newestFirst(rows.filter((r) => r.status === s)));
    }
    expect(codeOf(() => searchDevices(db, { status: 'lost' as DeviceStatus }))).toBe('INPUT_INVALID');
  });

  it('by date: from is inclusive, to is exclusive, either alone works', () => {
    const { db, rows } = ledger();
    const at = '2026-02-08T08:01:00.000Z';
    expect(rows.some((r) => r.created_at === at)).toBe(true);
    const from = searchDevices(db, { from: at, limit: MAX_PAGE }).rows;
    expect(from.map((r) => r.id)).toEqual(newestFirst(rows.filter((r) => r.created_at >= at)));
    const to = walk(db, { to: at, limit: MAX_PAGE }).ids;
    expect(to).toEqual(newestFirst(rows.filter((r) => r.created_at < at)));
    const window = searchDevices(db, { from: at, to: '2026-02-09', limit: MAX_PAGE }).rows;
    expect(window.map((r) => r.id)).toEqual(newestFirst(rows.filter((r) => r.created_at >= at && r.created_at < '2026-02-09')));
    expect(searchDevices(db, { from: '2026-02-09', to: '2026-02-09' }).rows).toEqual([]);
  });

  it('combines filters with AND', () => {
    const { db, rows } = ledger();
    const q: DeviceQuery = { product_id: 1, status: 'written', hwid: 'hw1', limit: MAX_PAGE };
    expect(searchDevices(db, q).rows.map((r) => r.id)).toEqual(
      newestFirst(rows.filter((r) => r.product_id === 1 && r.status === 'written' && r.hwid === 'hw1')),
    );
  });
});

describe('searchDevices: cursors', () => {
  it('a cursor that is not one this function handed out is INPUT_INVALID', () => {
    const { db } = ledger();
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const cursor of ['garbage', '!!!', b64('2026-01-01T00:00:00.000Z'), b64('2026-01-01|'), b64('|12'), b64('2026-01-01|12x'), b64('2026-01-01|-3'), b64('2026|1.5')]) {
      expect(codeOf(() => searchDevices(db, { cursor })), cursor).toBe('INPUT_INVALID');
    }
  });

  it('the next cursor of the last page is null, and a cursor past the end gives an empty page', () => {
    const { db, rows } = ledger();
    const oldest = [...rows].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id))[0];
    const past = Buffer.from(`${oldest.created_at}|${oldest.id}`).toString('base64url');
    expect(searchDevices(db, { cursor: past })).toEqual({ rows: [], next: null });
    expect(searchDevices(db, { limit: 300 }).next).toBeNull();
  });
});

describe('searchDevices: device-id prefixes shared by many ids', () => {
  /**
   * More rows than PREFIX_FEW + RECENT_WINDOW: the oldest 22,000 are OLD…, then 11,000 NEW…
   * (the newest RECENT_WINDOW rows hold no OLD id at all), with runs of equal timestamps.
   */
  function bigLedger(): { db: Database.Database; all: { id: number; device_id: string; created_at: string }[] } {
    expect(PREFIX_FEW).toBeLessThan(22_000);
    expect(RECENT_WINDOW).toBeLessThan(11_000);
    const db = dbAt(LATEST);
    addProduct(db, 1);
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 32999)
       INSERT INTO devices (product_id, device_id, status, station, operator, created_at, updated_at)
       SELECT 1, CASE WHEN i < 22000 THEN 'OLD' ELSE 'NEW' END || printf('%05d', i) || CASE WHEN i % 2 THEN 'a' ELSE 'b' END,
              CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'verified' END, 'A1', 'op',
              strftime('%Y-%m-%dT%H:%M:%fZ', 1767225600 + (i / 3) * 60, 'unixepoch'),
              strftime('%Y-%m-%dT%H:%M:%fZ', 1767225600 + (i / 3) * 60, 'unixepoch')
       FROM n`,
    ).run();
    const all = db.prepare('SELECT id, device_id, created_at FROM devices').all() as { id: number; device_id: string; created_at: string }[];
    return { db, all };
  }
  const expectIds = (all: { id: number; device_id: string; created_at: string }[], keep: (r: { device_id: string; created_at: string }) => boolean) =>
    all
      .filter(keep)
      .sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.id - a.id))
      .map((r) => r.id);

  it('finds the newest matches whether they are recent (window), all old (fallback) or few', () => {
    const { db, all } = bigLedger();
    for (const p of ['', 'N', 'O', 'OLD', 'OLD1', 'OLD0000', 'NEW3', 'X']) {
      for (const limit of [1, 50, MAX_PAGE]) {
        const got = searchDevices(db, { device_id: `${p}*`, limit });
        expect(got.rows.map((r) => r.id), `${p}* limit ${limit}`).toEqual(expectIds(all, (r) => r.device_id.startsWith(p)).slice(0, limit));
      }
    }
  });

  it('pages through a many-match prefix exactly once, newest first, across the window edge', () => {
    const { db, all } = bigLedger();
    // 'O*' and '*' have more matches than PREFIX_FEW; pages walk past the newest RECENT_WINDOW rows.
    for (const p of ['O', '']) {
      const expected = expectIds(all, (r) => r.device_id.startsWith(p));
      const got: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 30; page++) {
        const r = searchDevices(db, { device_id: `${p}*`, limit: MAX_PAGE, cursor });
        got.push(...r.rows.map((x) => x.id));
        if (!r.next) break;
        cursor = r.next;
      }
      expect(got, p).toEqual(expected.slice(0, got.length));
      expect(got.length).toBe(Math.min(expected.length, 30 * MAX_PAGE));
    }
    // Near the oldest end fewer than RECENT_WINDOW rows remain below the cursor.
    const oldest = [...all].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id));
    const c = oldest[120];
    const tail = searchDevices(db, { device_id: '*', limit: MAX_PAGE, cursor: Buffer.from(`${c.created_at}|${c.id}`).toString('base64url') });
    expect(tail.rows.map((r) => r.id)).toEqual(oldest.slice(0, 120).map((r) => r.id).reverse());
    expect(tail.next).toBeNull();
  });

  it('keeps the other filters on every plan', () => {
    const { db, all } = bigLedger();
    const failed = (r: { device_id: string }) => Number(r.device_id.slice(3, 8)) % 50 === 0;
    for (const p of ['OLD', 'NEW', '']) {
      const got = walk(db, { device_id: `${p}*`, status: 'failed', limit: 100 }).ids;
      expect(got, p).toEqual(expectIds(all, (r) => r.device_id.startsWith(p) && failed(r)));
    }
    const from = all[15_000].created_at;
    const to = all[30_000].created_at;
    expect(walk(db, { device_id: 'OLD*', from, to, limit: MAX_PAGE }).ids).toEqual(expectIds(all, (r) => r.device_id.startsWith('OLD') && r.created_at >= from && r.created_at < to));
  });
});
