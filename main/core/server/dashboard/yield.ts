import type { ParetoRow, YieldCounts, YieldPeriod, YieldStats } from '../../../../preload/dashboard-types.js';
import { WxError } from '../../errors/wx-error.js';
import { localIso, namedLocalDay } from '../../util/local-time.js';
import { sqlState } from '../db/errors.js';
import type { Param, Queryable } from '../db/server-db.js';

export type YieldBy = 'hour' | 'day';

export interface FleetYieldOptions {
  /** One station's results (its code as the server keeps it); the whole fleet without one. */
  station?: string;
  product_id?: number;
  /** Results at or after this instant. */
  since?: Date;
  /** Results before this instant (exclusive). */
  until?: Date;
  /** Default: hour when the range (or, open-ended, the results in it) spans at most 2 days, else day. */
  by?: YieldBy;
  /** The IANA zone hours and days are cut in; default UTC. */
  timeZone?: string;
}

const HOUR_MS = 3600_000;
/** A range up to this long is shown by the hour when no `by` is given (as on the station). */
const HOURLY_UP_TO_MS = 2 * 24 * HOUR_MS;

/** The zone, checked before it reaches the store (PostgreSQL's own refusal is caught too: 22023). */
export function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new WxError('INPUT_INVALID', { field: 'tz', detail: tz, allowed: 'an IANA time zone such as Asia/Shanghai or UTC' });
  }
  return tz;
}

/**
 * A `since` / `until` value as the station's `wxprov stats` takes it: a bare date is that day
 * on the zone's clock (`since` from its midnight, `until` through its end, so since=D&until=D is
 * the whole of day D); else a timestamp (with no zone given: UTC, the server's sessions' zone).
 */
export function parseRangeTime(raw: string, field: string, edge: 'since' | 'until', timeZone: string): Date {
  const bad = () => new WxError('INPUT_INVALID', { field, detail: raw, allowed: 'a date like 2026-11-28 or 2026-11-28T08:00:00Z' });
  const s = raw.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const day = namedLocalDay(s, timeZone);
    if (!day) throw bad();
    return edge === 'since' ? day.start : day.end;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s)) throw bad();
  const d = new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(s) ? s : `${s}Z`);
  if (Number.isNaN(d.getTime())) throw bad();
  return d;
}

interface Filter {
  where: string;
  args: Param[];
}

/** The range's WHERE over unit_results, its arguments from $3 on ($1 is the zone, $2 the period). */
function filterOf(o: FleetYieldOptions, first: number): Filter {
  const where: string[] = [];
  const args: Param[] = [];
  const arg = (v: Param) => `$${first + args.push(v) - 1}`;
  if (o.station !== undefined) where.push(`station = ${arg(o.station)}`);
  if (o.since) where.push(`at >= ${arg(o.since.toISOString())}::timestamptz`);
  if (o.until) where.push(`at < ${arg(o.until.toISOString())}::timestamptz`);
  if (o.product_id !== undefined) where.push(`product_id = ${arg(o.product_id)}::bigint`);
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

interface GroupRow {
  /** GROUPING(p, station, port), bits p=4 station=2 port=1 set when not grouped by: 3 = a period, 5 = a station, 4 = a slot (station and port), 7 = the totals. */
  g: number;
  start_at: string | null;
  end_at: string | null;
  station: string | null;
  port: string | null;
  units: number;
  pass: number;
  fail: number;
  existing: number;
  first_pass: number;
}

const counts = (r: GroupRow): YieldCounts => ({
  units: r.units,
  pass: r.pass,
  fail: r.fail,
  existing: r.existing,
  first_pass: r.first_pass,
  fpy: r.units === 0 ? null : r.first_pass / r.units,
});

const zero = (): YieldCounts => ({ units: 0, pass: 0, fail: 0, existing: 0, first_pass: 0, fpy: null });

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * Yield from the stations' results logs (`unit_results`, server migration 0007), with the
 * station's rules exactly (main/core/registry/yield-stats.ts): a unit is a distinct
 * (product_id, hwid) among the range's results (no hwid: a unit of its own) and belongs to the
 * period, slot and station of its first result in the range (by `at`, then the station's row
 * order: station, src_row); its
 * first pass when that result is PASS; pass / fail / existing count results; the Pareto counts
 * FAIL results by (step, code). Periods are the zone's hours or days:
 * `date_trunc(by, at AT TIME ZONE tz) AT TIME ZONE tz`.
 *
 * Two statements, plain PostgreSQL that PGlite runs alike: one window over the range grouped
 * four ways at once (GROUPING SETS: period, station, slot, all), and the Pareto. A slot is the
 * station's port; over the whole fleet it is named `STATION/port` (ports repeat across stations).
 */
export async function fleetYield(q: Queryable, opts: FleetYieldOptions = {}): Promise<YieldStats> {
  const timeZone = checkTimeZone(opts.timeZone ?? 'UTC');
  try {
    return await compute(q, opts, timeZone);
  } catch (e) {
    // A zone Node knows but this PostgreSQL's tz data does not.
    if (sqlState(e) === '22023' && /time zone/i.test((e as Error).message)) {
      throw new WxError('INPUT_INVALID', { field: 'tz', detail: timeZone, allowed: 'an IANA time zone this server knows, such as Asia/Shanghai or UTC' });
    }
    throw e;
  }
}

async function compute(q: Queryable, opts: FleetYieldOptions, timeZone: string): Promise<YieldStats> {
  let by = opts.by;
  if (!by) {
    let lo = opts.since?.getTime();
    let hi = opts.until?.getTime();
    if (lo === undefined || hi === undefined) {
      const f0 = filterOf(opts, 1);
      const span = (await q.query<{ lo: string | null; hi: string | null }>(`SELECT min(at) AS lo, max(at) AS hi FROM unit_results ${f0.where}`, f0.args)).rows[0];
      lo ??= span.lo ? Date.parse(span.lo) : 0;
      hi ??= span.hi ? Date.parse(span.hi) : lo;
    }
    by = hi - lo <= HOURLY_UP_TO_MS ? 'hour' : 'day';
  }

  const f = filterOf(opts, 3);
  const groups = (
    await q.query<GroupRow>(
      `WITH r AS (
         SELECT station, port, result, date_trunc($2, at AT TIME ZONE $1) AS p,
           row_number() OVER (PARTITION BY product_id, hwid, CASE WHEN hwid IS NULL THEN id END ORDER BY at, station, src_row) = 1 AS first
         FROM unit_results ${f.where}
       )
       SELECT GROUPING(p, station, port)::int AS g,
         CASE WHEN GROUPING(p) = 0 THEN p AT TIME ZONE $1 END AS start_at,
         CASE WHEN GROUPING(p) = 0 THEN (p + ('1 ' || $2)::interval) AT TIME ZONE $1 END AS end_at,
         station, port,
         count(*) FILTER (WHERE first)::int AS units,
         count(*) FILTER (WHERE result = 'PASS')::int AS pass,
         count(*) FILTER (WHERE result = 'FAIL')::int AS fail,
         count(*) FILTER (WHERE result = 'EXISTING')::int AS existing,
         count(*) FILTER (WHERE first AND result = 'PASS')::int AS first_pass
       FROM r GROUP BY GROUPING SETS ((p), (station), (station, port), ())`,
      [timeZone, by, ...f.args],
    )
  ).rows;

  // The Pareto has no zone or period: its arguments start at $1.
  const fp = filterOf(opts, 1);
  const pareto = (
    await q.query<{ step: string; code: string; count: number }>(
      `SELECT step, COALESCE(code, '') AS code, count(*)::int AS count FROM unit_results
       ${fp.where ? `${fp.where} AND` : 'WHERE'} result = 'FAIL'
       GROUP BY step, COALESCE(code, '') ORDER BY count DESC, step COLLATE "C", COALESCE(code, '') COLLATE "C"`,
      fp.args,
    )
  ).rows;

  let totals = zero();
  const periods: { t: number; p: YieldPeriod }[] = [];
  const slots: (YieldCounts & { slot: string })[] = [];
  const stations: (YieldCounts & { station: string | null })[] = [];
  for (const r of groups) {
    if (r.g === 7) totals = counts(r);
    else if (r.g === 3) {
      const t = Date.parse(r.start_at!);
      periods.push({ t, p: { start: localIso(t, timeZone), end: localIso(Date.parse(r.end_at!), timeZone), ...counts(r) } });
    } else if (r.g === 5) stations.push({ station: r.station, ...counts(r) });
    else if (r.g === 4) slots.push({ slot: opts.station !== undefined ? (r.port ?? '') : `${r.station}/${r.port ?? ''}`, ...counts(r) });
  }
  periods.sort((a, b) => a.t - b.t);
  slots.sort((a, b) => byName(a.slot, b.slot));
  stations.sort((a, b) => (a.station === null ? 1 : b.station === null ? -1 : byName(a.station, b.station)));

  const failures = pareto.reduce((s, r) => s + r.count, 0);
  let run = 0;
  const paretoRows: ParetoRow[] = pareto.map((r) => {
    run += r.count;
    return { step: r.step, code: r.code, count: r.count, share: r.count / failures, cumulative: run / failures };
  });

  return {
    product_id: opts.product_id ?? null,
    since: opts.since ? localIso(opts.since.getTime(), timeZone) : null,
    until: opts.until ? localIso(opts.until.getTime(), timeZone) : null,
    by,
    time_zone: timeZone,
    totals,
    periods: periods.map((x) => x.p),
    slots,
    stations,
    pareto: paretoRows,
  };
}
