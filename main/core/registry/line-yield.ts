import type { Db } from '../db/open.js';
import { localDay, systemTimeZone } from '../util/local-day.js';
import { FIRSTS, QUARTER, filterOf, hourStart, localIso, quarterStart } from './yield-stats.js';

/** The contract's LineYield (preload/contract-types.ts), declared again: the core does not import preload/. */
export interface LineYield {
  hour_start: string;
  day_start: string;
  slots: { slot: string; units_hour: number; units_today: number; fpy_today: number | null }[];
  hourly: { start: string; units: number; pass: number; fail: number }[];
}

const HOUR_MS = 3600_000;

/**
 * The line screen's strip: one station today, from the results log. Units follow the
 * statistics' rule over today's range — a unit (product, hwid; no hwid: the result alone) is
 * counted once, in the hour and slot of its first result today, and passed first time when
 * that result was PASS. `units_hour` is the units whose first result today fell in the current
 * hour. `hourly` lists every hour from midnight to the current one, empty ones too.
 * "Today" and "this hour" are on the injected clock in the station's time zone.
 */
export function lineYield(db: Db, station: string | null, now: Date, timeZone: string = systemTimeZone()): LineYield {
  const day = localDay(now, timeZone);
  const hour = hourStart(now.getTime(), timeZone);
  const f = filterOf({ since: day.start, until: day.end, station });
  const rows = db
    .prepare(
      `WITH r AS MATERIALIZED (${FIRSTS(f)})
       SELECT 'p' AS kind, port AS k, SUM(first) AS units, SUM(first AND at >= @hour AND at < @hour_end) AS units_hour,
              SUM(first AND result = 'PASS') AS first_pass, 0 AS pass, 0 AS fail
       FROM r GROUP BY port
       UNION ALL
       SELECT 'q', ${QUARTER}, SUM(first), 0, 0, SUM(result = 'PASS'), SUM(result = 'FAIL')
       FROM r GROUP BY 2`,
    )
    .all({ ...f.args, hour: new Date(hour).toISOString(), hour_end: new Date(hour + HOUR_MS).toISOString() }) as {
    kind: 'p' | 'q';
    k: string;
    units: number;
    units_hour: number;
    first_pass: number;
    pass: number;
    fail: number;
  }[];


  const hours = new Map<number, { units: number; pass: number; fail: number }>();
  for (let h = day.start.getTime(); h <= hour; ) {
    hours.set(h, { units: 0, pass: 0, fail: 0 });
    const next = hourStart(h + HOUR_MS, timeZone);
    h = next > h ? next : h + HOUR_MS;
  }
  const slots: LineYield['slots'] = [];
  for (const r of rows) {
    if (r.kind === 'p') {
      slots.push({ slot: r.k, units_hour: r.units_hour, units_today: r.units, fpy_today: r.units === 0 ? null : r.first_pass / r.units });
      continue;
    }
    const h = hourStart(quarterStart(r.k), timeZone);
    // A result stamped later than the clock's now (a clock set back) still counts in its hour.
    let c = hours.get(h);
    if (!c) hours.set(h, (c = { units: 0, pass: 0, fail: 0 }));
    c.units += r.units;
    c.pass += r.pass;
    c.fail += r.fail;
  }
  slots.sort((a, b) => a.slot.localeCompare(b.slot, 'en', { numeric: true }));
  return {
    hour_start: localIso(hour, timeZone),
    day_start: localIso(day.start.getTime(), timeZone),
    slots,
    hourly: [...hours.entries()].sort((a, b) => a[0] - b[0]).map(([h, c]) => ({ start: localIso(h, timeZone), ...c })),
  };
}
