import type { Db } from '../db/open.js';
import { WxError } from '../errors/wx-error.js';
import { localDay, systemTimeZone } from '../util/local-day.js';
import { hourStart, localIso, namedLocalDay } from '../util/local-time.js';

export { hourStart, localIso };

// The shapes are the contract's (preload/contract-types.ts YieldStats and friends), declared
// again here: the core does not import preload/, and the app layer's compile checks they match.

export interface YieldCounts {
  /** Units: distinct hwids (per product) whose first result in the range falls here; a result with no hwid is a unit of its own. */
  units: number;
  pass: number;
  fail: number;
  existing: number;
  /** Units whose first result in the range was PASS. */
  first_pass: number;
  /** first_pass / units; null with no units. */
  fpy: number | null;
}

export interface YieldPeriod extends YieldCounts {
  start: string;
  end: string;
}

export interface ParetoRow {
  step: string;
  code: string;
  count: number;
  share: number;
  cumulative: number;
}

export interface YieldStats {
  product_id: number | null;
  since: string | null;
  until: string | null;
  by: 'hour' | 'day';
  time_zone: string;
  totals: YieldCounts;
  periods: YieldPeriod[];
  slots: (YieldCounts & { slot: string })[];
  stations: (YieldCounts & { station: string | null })[];
  pareto: ParetoRow[];
}

export type YieldBy = 'hour' | 'day';

export interface YieldOptions {
  product_id?: number;
  /** Results at or after this instant. */
  since?: Date;
  /** Results before this instant (exclusive). */
  until?: Date;
  /** Default: hour when the range is at most 2 days, else day. */
  by?: YieldBy;
  /** Only the results of this station (all stations without one). */
  station?: string;
  /** The station's time zone (IANA); default the process's. */
  timeZone?: string;
}

const HOUR_MS = 3600_000;
const QUARTER_MS = 15 * 60_000;
/** A range up to this long is shown by the hour when no --by is given. */
const HOURLY_UP_TO_MS = 2 * 24 * HOUR_MS;

/**
 * A `--since` / `--until` value as `wxprov records --since` takes it: a bare date (2026-11-28)
 * or a timestamp (2026-11-28T08:00:00Z; without a zone, the process's). A bare date is that
 * day on the station's clock: `since` from its local midnight, `until` through its end (the
 * start of the next local day, exclusive), so `--since D --until D` is the whole of day D.
 */
export function parseRangeDate(raw: string, field: string, edge: 'since' | 'until', timeZone: string = systemTimeZone()): Date {
  const bad = () => new WxError('INPUT_INVALID', { field, detail: raw, allowed: 'a date like 2026-11-28 or 2026-11-28T08:00:00Z' });
  const s = raw.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const day = namedLocalDay(s, timeZone);
    if (!day) throw bad();
    return edge === 'since' ? day.start : day.end;
  }
  const d = new Date(s);
  if (s === '' || Number.isNaN(d.getTime())) throw bad();
  return d;
}

/** The CLI's and the app's strings to options: dates parsed, `by` checked, errors naming the field. */
export function yieldOptionsFrom(
  input: { product_id?: number; since?: string; until?: string; by?: string },
  fields: { since: string; until: string; by: string },
  timeZone: string = systemTimeZone(),
): YieldOptions {
  const since = input.since === undefined ? undefined : parseRangeDate(input.since, fields.since, 'since', timeZone);
  const until = input.until === undefined ? undefined : parseRangeDate(input.until, fields.until, 'until', timeZone);
  if (since && until && until.getTime() <= since.getTime()) {
    throw new WxError('INPUT_INVALID', { field: fields.until, detail: input.until!, allowed: `a time after ${fields.since} (${input.since})` });
  }
  if (input.by !== undefined && input.by !== 'hour' && input.by !== 'day') throw new WxError('INPUT_INVALID', { field: fields.by, detail: input.by, allowed: 'hour | day' });
  return { product_id: input.product_id, since, until, by: input.by as YieldBy | undefined, timeZone };
}

// ── the SQL ──────────────────────────────────────────────────────────────────

export interface Filter {
  where: string;
  args: Record<string, string | number>;
}

/** The range's WHERE over unit_results; a station of `null` is the results logged with no station code. */
export function filterOf(o: { product_id?: number; since?: Date; until?: Date; station?: string | null }): Filter {
  const where: string[] = [];
  const args: Record<string, string | number> = {};
  // `at` is always Date#toISOString (UTC, fixed width), so text order is time order and the index on `at` bounds the scan.
  const term = (sql: string, name: string, value: string | number) => {
    where.push(sql);
    args[name] = value;
  };
  if (o.since) term('at >= @since', 'since', o.since.toISOString());
  if (o.until) term('at < @until', 'until', o.until.toISOString());
  if (o.product_id !== undefined) term('product_id = @product_id', 'product_id', o.product_id);
  if (o.station === null) where.push('station IS NULL');
  else if (o.station !== undefined) term('station = @station', 'station', o.station);
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

/**
 * Every result in the range with `first` = 1 on each unit's first result (by `at`, then id).
 * A unit is (product, hwid); a NULL hwid is a unit of its own, partitioned by its row id.
 */
export const FIRSTS = (f: Filter) => `
  SELECT at, station, port, result,
         ROW_NUMBER() OVER (PARTITION BY product_id, hwid, CASE WHEN hwid IS NULL THEN id END ORDER BY at, id) = 1 AS first
  FROM unit_results ${f.where}`;

const SUMS = `COUNT(*) AS n,
  SUM(result = 'PASS') AS pass, SUM(result = 'FAIL') AS fail, SUM(result = 'EXISTING') AS existing,
  SUM(first) AS units, SUM(first AND result = 'PASS') AS first_pass`;

/** The UTC quarter hour a result falls in, as 'YYYY-MM-DDTHH' || quarter (0-3): every zone's hours and days begin on one. */
export const QUARTER = `substr(at, 1, 13) || (CAST(substr(at, 15, 2) AS INTEGER) / 15)`;

interface SumRow {
  n: number;
  pass: number;
  fail: number;
  existing: number;
  units: number;
  first_pass: number;
}

interface GroupRow extends SumRow {
  /** 'q': a UTC quarter hour (k); 'ps': a slot (k) at a station (station). */
  kind: 'q' | 'ps';
  k: string;
  station: string | null;
}

const zero = (): YieldCounts => ({ units: 0, pass: 0, fail: 0, existing: 0, first_pass: 0, fpy: null });

function add(to: YieldCounts, r: SumRow): void {
  to.units += r.units ?? 0;
  to.pass += r.pass ?? 0;
  to.fail += r.fail ?? 0;
  to.existing += r.existing ?? 0;
  to.first_pass += r.first_pass ?? 0;
}

const withFpy = <T extends YieldCounts>(c: T): T => ({ ...c, fpy: c.units === 0 ? null : c.first_pass / c.units });

export const quarterStart = (k: string): number => Date.parse(`${k.slice(0, 13)}:00:00Z`) + Number(k.slice(13)) * QUARTER_MS;

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * Yield over a range of the results log (unit_results): per period, slot and station the
 * results (PASS, FAIL, EXISTING) and the units with their first-pass yield, and a Pareto of
 * the failures by step and code. One scan for the groups (the window over the range
 * materialised once, grouped by quarter hour and by slot and station) and one for the Pareto; periods are grouped in SQL
 * by UTC quarter hour and the quarters then put into the station's local hours or days.
 */
export function yieldStats(db: Db, opts: YieldOptions = {}): YieldStats {
  const timeZone = opts.timeZone ?? systemTimeZone();
  const f = filterOf(opts);

  let by = opts.by;
  if (!by) {
    let lo = opts.since?.getTime();
    let hi = opts.until?.getTime();
    if (lo === undefined || hi === undefined) {
      const span = db.prepare(`SELECT MIN(at) AS lo, MAX(at) AS hi FROM unit_results ${f.where}`).get(f.args) as { lo: string | null; hi: string | null };
      lo ??= span.lo ? Date.parse(span.lo) : 0;
      hi ??= span.hi ? Date.parse(span.hi) : lo;
    }
    by = hi - lo <= HOURLY_UP_TO_MS ? 'hour' : 'day';
  }

  const rows = db
    .prepare(
      `WITH r AS MATERIALIZED (${FIRSTS(f)})
       SELECT 'q' AS kind, ${QUARTER} AS k, NULL AS station, ${SUMS} FROM r GROUP BY k
       UNION ALL SELECT 'ps', port, station, ${SUMS} FROM r GROUP BY port, station`,
    )
    .all(f.args) as GroupRow[];

  const totals = zero();
  const periods = new Map<number, YieldPeriod>();
  const slots = new Map<string, YieldCounts & { slot: string }>();
  const stations = new Map<string | null, YieldCounts & { station: string | null }>();
  let day: { start: number; end: number } | undefined;
  let hour = -Infinity;
  for (const r of rows) {
    if (r.kind === 'ps') {
      let slot = slots.get(r.k);
      if (!slot) slots.set(r.k, (slot = { slot: r.k, ...zero() }));
      let station = stations.get(r.station);
      if (!station) stations.set(r.station, (station = { station: r.station, ...zero() }));
      add(slot, r);
      add(station, r);
      add(totals, r);
    } else {
      const t = quarterStart(r.k);
      let start: number;
      let end: number;
      if (by === 'hour') {
        // An hour is [start, start + 1 h) in UTC too (its offset is one): its quarters share it.
        if (!(t >= hour && t < hour + HOUR_MS)) hour = hourStart(t, timeZone);
        start = hour;
        end = start + HOUR_MS;
      } else {
        // The quarters come in order: the day's bounds are looked up again only when one ends.
        if (!day || t < day.start || t >= day.end) {
          const d = localDay(new Date(t), timeZone);
          day = { start: d.start.getTime(), end: d.end.getTime() };
        }
        start = day.start;
        end = day.end;
      }
      let p = periods.get(start);
      if (!p) periods.set(start, (p = { start: localIso(start, timeZone), end: localIso(end, timeZone), ...zero() }));
      add(p, r);
    }
  }

  return {
    product_id: opts.product_id ?? null,
    since: opts.since ? localIso(opts.since.getTime(), timeZone) : null,
    until: opts.until ? localIso(opts.until.getTime(), timeZone) : null,
    by,
    time_zone: timeZone,
    totals: withFpy(totals),
    periods: [...periods.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => withFpy(p)),
    slots: [...slots.values()].sort((a, b) => byName(a.slot, b.slot)).map(withFpy),
    stations: [...stations.values()].sort((a, b) => (a.station === null ? 1 : b.station === null ? -1 : byName(a.station, b.station))).map(withFpy),
    pareto: failurePareto(db, f),
  };
}

/** FAIL results by (step, code), most first; share of all failures and the running total (the last is 1). */
function failurePareto(db: Db, f: Filter): ParetoRow[] {
  const where = f.where ? `${f.where} AND result = 'FAIL'` : `WHERE result = 'FAIL'`;
  const rows = db
    .prepare(`SELECT step, COALESCE(code, '') AS code, COUNT(*) AS count FROM unit_results ${where} GROUP BY step, COALESCE(code, '') ORDER BY count DESC, step, code`)
    .all(f.args) as { step: string; code: string; count: number }[];
  const total = rows.reduce((s, r) => s + r.count, 0);
  let run = 0;
  return rows.map((r) => {
    run += r.count;
    return { step: r.step, code: r.code, count: r.count, share: r.count / total, cumulative: run / total };
  });
}
