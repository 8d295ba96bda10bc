import type { Db } from '../main/core/db/open.js';
import { searchDevices, type DeviceQuery } from '../main/core/registry/search.js';
import { ledgerRow, type LedgerShape } from './registry-ledger.js';
import { nowS } from './timing.js';

export interface Timing {
  /** Milliseconds, per run. */
  median: number;
  max: number;
  runs: number;
  /** Rows the search returned (the last run). */
  rows: number;
}

export interface SearchCase {
  key: string;
  label: string;
  /** A query per run (runs may aim at different rows). */
  query: (run: number) => DeviceQuery;
  /** Checked on every run: the search found what it was aimed at. */
  check?: (rows: { id: number; device_id: string; created_at: string }[], run: number) => string | undefined;
  /** Measured and reported, but no goal: a case kept to show a bound, not a promise. */
  noGoal?: boolean;
}

const ms = (s: number) => s * 1000;

const prefixCheck =
  (prefix: string, pageSize: number) =>
  (rows: { device_id: string }[]): string | undefined =>
    rows.length !== pageSize ? `a page of ${rows.length} rows` : rows.every((r) => r.device_id.startsWith(prefix)) ? undefined : `a row without the prefix ${prefix}`;

/** Every page must come newest first, whatever plan produced it. */
function orderProblem(rows: { created_at: string; id: number }[]): string | undefined {
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    if (a.created_at < b.created_at || (a.created_at === b.created_at && a.id <= b.id)) return `rows ${a.id} and ${b.id} out of order`;
  }
  return undefined;
}

function summarize(times: number[], rows: number): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, max: sorted[sorted.length - 1], runs: times.length, rows };
}

export const cursorOf = (r: { created_at: string; id: number }) => Buffer.from(`${r.created_at}|${r.id}`).toString('base64url');

/**
 * The searches a user runs on the ledger, aimed at rows that exist. The deep page is reached
 * the way the UI reaches it (walking 20 pages by cursor); the middle cursor is built from the
 * row halfway through the table.
 */
export function searchCases(db: Db, shape: LedgerShape, pageSize: number): SearchCase[] {
  const n = shape.rows;
  // Spread the aimed-at rows over the table so runs do not just hit one warm page.
  const aim = (run: number) => Math.floor(((run * 7919 + 104_729) % 997) * (n / 997));
  let walked: string | null = null;
  for (let p = 0, cursor: string | undefined; p < 20; p++) {
    walked = searchDevices(db, { limit: pageSize, cursor }).next;
    if (walked === null) throw new Error(`the ledger ran out after ${p + 1} pages`);
    cursor = walked;
  }
  const middle = ledgerRow(shape, Math.floor(n / 2));
  const day = ledgerRow(shape, Math.floor(n * 0.6));
  const narrowPrefix = day.device_id.slice(0, 2 + 6); // station + yymmdd: one station-day
  const year = ledgerRow(shape, 0).created_at.slice(2, 4);
  const month = `${shape.stations[0]}${year}02`; // station, one old month: ~1/36 of the rows, all far from the newest
  const oldBroad = `${shape.stations[0]}${year}0`; // station, months 01-09
  return [
    { key: 'first_page', label: 'first page (no filter)', query: () => ({ limit: pageSize }) },
    {
      key: 'deep_page_walked',
      label: 'page 21, by the cursor of a 20-page walk',
      query: () => ({ limit: pageSize, cursor: walked! }),
      check: (rows) => (rows[0]?.id === n - 20 * pageSize ? undefined : `page 21 starts at row ${rows[0]?.id}, expected ${n - 20 * pageSize}`),
    },
    {
      key: 'middle_cursor',
      label: 'page by a cursor from the middle of the table',
      query: () => ({ limit: pageSize, cursor: cursorOf(middle) }),
      check: (rows) => (rows[0]?.id === middle.id - 1 ? undefined : `starts at row ${rows[0]?.id}, expected ${middle.id - 1}`),
    },
    {
      key: 'device_id_exact',
      label: 'device_id exact',
      query: (run) => ({ limit: pageSize, device_id: ledgerRow(shape, aim(run)).device_id }),
      check: (rows, run) => (rows.length === 1 && rows[0].id === aim(run) + 1 ? undefined : `found ${rows.length} rows for row ${aim(run) + 1}`),
    },
    {
      key: 'device_id_prefix',
      label: `device_id prefix, one station-day (${narrowPrefix}*)`,
      query: () => ({ limit: pageSize, device_id: `${narrowPrefix}*` }),
      check: prefixCheck(narrowPrefix, pageSize),
    },
    {
      key: 'device_id_prefix_broad',
      label: `device_id prefix, one station (${shape.stations[1]}*, 1/${shape.stations.length} of all)`,
      query: () => ({ limit: pageSize, device_id: `${shape.stations[1]}*` }),
      check: prefixCheck(shape.stations[1], pageSize),
    },
    {
      key: 'device_id_prefix_month',
      label: `device_id prefix, one station-month, old (${month}*)`,
      query: () => ({ limit: pageSize, device_id: `${month}*` }),
      check: prefixCheck(month, pageSize),
    },
    {
      key: 'device_id_prefix_old',
      label: `device_id prefix, one station, 9 old months (${oldBroad}*)`,
      query: () => ({ limit: pageSize, device_id: `${oldBroad}*` }),
      check: prefixCheck(oldBroad, pageSize),
      noGoal: true,
    },
    {
      key: 'hwid',
      label: 'hwid',
      query: (run) => ({ limit: pageSize, hwid: ledgerRow(shape, aim(run) - (aim(run) % 10 === 9 ? 1 : 0)).hwid! }),
      check: (rows) => (rows.length >= 1 ? undefined : 'hwid not found'),
    },
    { key: 'status_failed', label: 'status failed (2% of rows)', query: () => ({ limit: pageSize, status: 'failed' }), check: (rows) => (rows.length === pageSize ? undefined : 'short page') },
    { key: 'status_verified', label: 'status verified (90% of rows)', query: () => ({ limit: pageSize, status: 'verified' }) },
    {
      key: 'date_range',
      label: 'date range, one week in the middle',
      query: () => {
        const from = ledgerRow(shape, Math.floor(n / 2)).created_at.slice(0, 10);
        const to = new Date(Date.parse(from) + 7 * 86_400_000).toISOString().slice(0, 10);
        return { limit: pageSize, from, to };
      },
      check: (rows) => (rows.length === pageSize ? undefined : 'short page'),
    },
    { key: 'product', label: 'product', query: () => ({ limit: pageSize, product_id: shape.products[2] }), check: (rows) => (rows.length === pageSize ? undefined : 'short page') },
  ];
}

/** Times `runs` calls of each case (the first run, cold, included in the max). */
export function timeSearch(db: Db, c: SearchCase, runs: number): Timing {
  const times: number[] = [];
  let rows = 0;
  for (let run = 0; run < runs; run++) {
    const q = c.query(run);
    const start = nowS();
    const page = searchDevices(db, q);
    times.push(ms(nowS() - start));
    rows = page.rows.length;
    const problem = orderProblem(page.rows) ?? c.check?.(page.rows, run);
    if (problem) throw new Error(`${c.label}: ${problem}`);
  }
  return summarize(times, rows);
}

/**
 * The baseline: fetching one page's worth of rows (pageSize) by primary key, one
 * `SELECT * FROM devices WHERE id = ?` each — what the rows of a page cost with no search.
 */
export function pkPageBaseline(db: Db, shape: LedgerShape, pageSize: number, runs: number): { page: Timing; single: Timing } {
  const st = db.prepare('SELECT * FROM devices WHERE id = ?');
  const pages: number[] = [];
  const singles: number[] = [];
  for (let run = 0; run < runs; run++) {
    const base = 1 + ((run * 104_729) % (shape.rows - pageSize));
    let start = nowS();
    for (let k = 0; k < pageSize; k++) if (!st.get(base + k)) throw new Error(`row ${base + k} missing`);
    pages.push(ms(nowS() - start));
    start = nowS();
    if (!st.get(1 + ((run * 7919) % shape.rows))) throw new Error('row missing');
    singles.push(ms(nowS() - start));
  }
  return { page: summarize(pages, pageSize), single: summarize(singles, 1) };
}
