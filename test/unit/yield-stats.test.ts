import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../main/core/db/open.js';
import { tmpDir } from '../helpers/tmp.js';
import type { AppCore } from '../../main/core/app/app-core.js';
import { statsHandlers } from '../../main/core/app/handlers/stats.js';
import { Settings } from '../../main/core/registry/settings.js';
import { lineYield } from '../../main/core/registry/line-yield.js';
import { UnitResults, type UnitOutcome } from '../../main/core/registry/unit-results.js';
import { hourStart, localIso, parseRangeDate, yieldOptionsFrom, yieldStats } from '../../main/core/registry/yield-stats.js';

// Yield from the results log: a real SQLite file, migrated, rows written as provision.ts
// writes them (UnitResults.add).

/** The error a call throws (the test fails when it returns). */
function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

const open: Db[] = [];
afterEach(() => {
  while (open.length) open.pop()!.close();
});

function freshDb(home = tmpDir()): { db: Db; home: string } {
  const db = openDb(home);
  open.push(db);
  return { db, home };
}

interface Row {
  at: string;
  result: UnitOutcome;
  hwid?: string | null;
  port?: string;
  station?: string | null;
  product?: number;
  device?: string | null;
  step?: string;
  code?: string | null;
}

function put(db: Db, rows: Row[]): void {
  const log = new UnitResults(db);
  for (const r of rows) {
    log.add(
      {
        result: r.result,
        port: r.port ?? 'P1',
        product_id: r.product ?? 1,
        device_id: r.device ?? null,
        hwid: r.hwid === undefined ? 'HW' : r.hwid,
        step: r.step ?? (r.result === 'FAIL' ? 'commit' : 'record'),
        code: r.code ?? null,
      },
      r.station === undefined ? 'S1' : r.station,
      new Date(r.at),
    );
  }
}

/** A shift in Shanghai: a unit failing then passing, two MES rejections with no hwid, an EXISTING, another station. */
const SHIFT: Row[] = [
  { at: '2026-11-28T10:00:00Z', result: 'FAIL', hwid: 'HW1', device: 'D1', step: 'commit', code: 'DEVICE_ERROR' },
  { at: '2026-11-28T10:05:00Z', result: 'PASS', hwid: 'HW2', device: 'D2', port: 'P2' },
  { at: '2026-11-28T10:10:00Z', result: 'EXISTING', hwid: 'HW3', device: 'D3', port: 'P2', step: 'read' },
  { at: '2026-11-28T10:20:00Z', result: 'PASS', hwid: 'HW1', device: 'D1' },
  { at: '2026-11-28T10:30:00Z', result: 'FAIL', hwid: null, step: 'mes_check', code: 'MES_REJECTED' },
  { at: '2026-11-28T10:40:00Z', result: 'FAIL', hwid: null, step: 'mes_check', code: 'MES_REJECTED' },
  { at: '2026-11-28T11:10:00Z', result: 'FAIL', hwid: 'HW4', station: 'S2', step: 'hello', code: 'UNIT_PROTOCOL' },
];

const counts = (units: number, pass: number, fail: number, existing: number, first_pass: number) => ({
  units,
  pass,
  fail,
  existing,
  first_pass,
  fpy: units === 0 ? null : first_pass / units,
});

describe('yieldStats', () => {
  it('counts units once at their first placement, results every time, and units with no hwid each on their own', () => {
    const { db } = freshDb();
    put(db, SHIFT);
    const s = yieldStats(db, { timeZone: 'Asia/Shanghai' });
    // Units: HW1, HW2, HW3, HW4 and the two results without a hwid. First pass: HW2 only (HW1 failed first).
    expect(s.totals).toEqual(counts(6, 2, 4, 1, 1));
    expect(s.totals.fpy).toBeCloseTo(1 / 6, 12);
    expect(s).toMatchObject({ product_id: null, since: null, until: null, by: 'hour', time_zone: 'Asia/Shanghai' });
    expect(s.periods).toEqual([
      { start: '2026-11-28T18:00:00+08:00', end: '2026-11-28T19:00:00+08:00', ...counts(5, 2, 3, 1, 1) },
      { start: '2026-11-28T19:00:00+08:00', end: '2026-11-28T20:00:00+08:00', ...counts(1, 0, 1, 0, 0) },
    ]);
    expect(s.slots).toEqual([
      { slot: 'P1', ...counts(4, 1, 4, 0, 0) },
      { slot: 'P2', ...counts(2, 1, 0, 1, 1) },
    ]);
    expect(s.stations).toEqual([
      { station: 'S1', ...counts(5, 2, 3, 1, 1) },
      { station: 'S2', ...counts(1, 0, 1, 0, 0) },
    ]);
  });

  it('puts every failure, with or without a device id, in a Pareto by step and code with shares and a running total ending at 1', () => {
    const { db } = freshDb();
    put(db, SHIFT);
    expect(yieldStats(db, { timeZone: 'Asia/Shanghai' }).pareto).toEqual([
      { step: 'mes_check', code: 'MES_REJECTED', count: 2, share: 0.5, cumulative: 0.5 },
      { step: 'commit', code: 'DEVICE_ERROR', count: 1, share: 0.25, cumulative: 0.75 },
      { step: 'hello', code: 'UNIT_PROTOCOL', count: 1, share: 0.25, cumulative: 1 },
    ]);
    // Thirds: full precision kept, the last exactly 1.
    const { db: db3 } = freshDb();
    put(db3, [
      { at: '2026-11-28T10:00:00Z', result: 'FAIL', hwid: 'A', step: 'write', code: 'X' },
      { at: '2026-11-28T10:01:00Z', result: 'FAIL', hwid: 'B', step: 'read', code: 'Y' },
      { at: '2026-11-28T10:02:00Z', result: 'FAIL', hwid: 'C', step: 'hello', code: 'Z' },
    ]);
    const p = yieldStats(db3, { timeZone: 'UTC' }).pareto;
    expect(p.map((r) => r.step)).toEqual(['hello', 'read', 'write']);
    expect(p[0].share).toBe(1 / 3);
    expect(p[1].cumulative).toBe(2 / 3);
    expect(p[2].cumulative).toBe(1);
    // No failures: an empty Pareto, and an empty log gives zeros and a null FPY.
    const { db: empty } = freshDb();
    expect(yieldStats(empty, { timeZone: 'UTC' })).toMatchObject({ totals: counts(0, 0, 0, 0, 0), periods: [], slots: [], stations: [], pareto: [] });
  });

  it('bounds the range: since inclusive, until exclusive, and a unit first seen in the range is judged by its first result there', () => {
    const { db } = freshDb();
    put(db, SHIFT);
    const after = yieldStats(db, { since: new Date('2026-11-28T10:20:00Z'), timeZone: 'Asia/Shanghai' });
    // HW1's PASS is its first result from 10:20 on: a first pass in this range.
    expect(after.totals).toEqual(counts(4, 1, 3, 0, 1));
    expect(after.since).toBe('2026-11-28T18:20:00+08:00');
    const before = yieldStats(db, { until: new Date('2026-11-28T10:20:00Z'), timeZone: 'Asia/Shanghai' });
    expect(before.totals).toEqual(counts(3, 1, 1, 1, 1));
    expect(before.until).toBe('2026-11-28T18:20:00+08:00');
    expect(yieldStats(db, { since: new Date('2026-11-28T10:05:00Z'), until: new Date('2026-11-28T10:06:00Z'), timeZone: 'UTC' }).totals).toEqual(counts(1, 1, 0, 0, 1));
  });

  it('filters by product, and the same hwid under two products is two units', () => {
    const { db } = freshDb();
    put(db, SHIFT);
    put(db, [{ at: '2026-11-28T10:50:00Z', result: 'PASS', hwid: 'HW1', product: 2, device: 'E1' }]);
    expect(yieldStats(db, { timeZone: 'UTC' }).totals).toEqual(counts(7, 3, 4, 1, 2));
    expect(yieldStats(db, { product_id: 1, timeZone: 'UTC' }).totals).toEqual(counts(6, 2, 4, 1, 1));
    const two = yieldStats(db, { product_id: 2, timeZone: 'UTC' });
    expect(two).toMatchObject({ product_id: 2, totals: counts(1, 1, 0, 0, 1), pareto: [] });
  });

  it('orders the first placement by time, then by row id, whatever order rows were written in', () => {
    const { db } = freshDb();
    // Written out of time order (a clock corrected): the earlier FAIL is still the first.
    put(db, [
      { at: '2026-11-28T10:30:00Z', result: 'PASS', hwid: 'HW9' },
      { at: '2026-11-28T10:00:00Z', result: 'FAIL', hwid: 'HW9', code: 'X' },
      // Two results at the same instant: the lower id is first.
      { at: '2026-11-28T11:00:00Z', result: 'PASS', hwid: 'HW8' },
      { at: '2026-11-28T11:00:00Z', result: 'FAIL', hwid: 'HW8', code: 'X' },
    ]);
    expect(yieldStats(db, { timeZone: 'UTC' }).totals).toEqual(counts(2, 2, 2, 0, 1));
  });

  it('buckets days on the station clock: midnight in Shanghai is 16:00 UTC', () => {
    const { db } = freshDb();
    put(db, [
      { at: '2026-11-27T15:59:59.999Z', result: 'PASS', hwid: 'A' },
      { at: '2026-11-27T16:00:00.000Z', result: 'PASS', hwid: 'B' },
      { at: '2026-11-30T03:00:00.000Z', result: 'FAIL', hwid: 'C', code: 'X' },
    ]);
    const s = yieldStats(db, { timeZone: 'Asia/Shanghai' });
    // More than 2 days of data: by day unless told.
    expect(s.by).toBe('day');
    expect(s.periods.map((p) => [p.start, p.end, p.units])).toEqual([
      ['2026-11-27T00:00:00+08:00', '2026-11-28T00:00:00+08:00', 1],
      ['2026-11-28T00:00:00+08:00', '2026-11-29T00:00:00+08:00', 1],
      ['2026-11-30T00:00:00+08:00', '2026-12-01T00:00:00+08:00', 1],
    ]);
    // The same in hours: only hours with results, oldest first.
    expect(yieldStats(db, { timeZone: 'Asia/Shanghai', by: 'hour' }).periods.map((p) => p.start)).toEqual([
      '2026-11-27T23:00:00+08:00',
      '2026-11-28T00:00:00+08:00',
      '2026-11-30T11:00:00+08:00',
    ]);
    // A range given of at most 2 days: by hour.
    expect(yieldStats(db, { timeZone: 'Asia/Shanghai', since: new Date('2026-11-27T16:00:00Z'), until: new Date('2026-11-29T16:00:00Z') }).by).toBe('hour');
    expect(yieldStats(db, { timeZone: 'Asia/Shanghai', since: new Date('2026-11-27T16:00:00Z'), until: new Date('2026-11-29T16:00:01Z') }).by).toBe('day');
  });

  it('keeps the hours and days of Europe/Berlin across DST: 25- and 23-hour days, the repeated hour twice', () => {
    const { db } = freshDb();
    put(db, [
      // 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00 UTC; both of these read 02:30.
      { at: '2026-10-25T00:30:00Z', result: 'PASS', hwid: 'A' },
      { at: '2026-10-25T01:30:00Z', result: 'PASS', hwid: 'B' },
      { at: '2026-10-25T22:59:00Z', result: 'PASS', hwid: 'C' },
      // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
      { at: '2026-03-29T00:59:00Z', result: 'FAIL', hwid: 'D', code: 'X' },
      { at: '2026-03-29T01:00:00Z', result: 'PASS', hwid: 'E' },
    ]);
    const hours = yieldStats(db, { timeZone: 'Europe/Berlin', by: 'hour' }).periods.map((p) => [p.start, p.end]);
    expect(hours).toEqual([
      ['2026-03-29T01:00:00+01:00', '2026-03-29T03:00:00+02:00'],
      ['2026-03-29T03:00:00+02:00', '2026-03-29T04:00:00+02:00'],
      ['2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00'],
      ['2026-10-25T02:00:00+01:00', '2026-10-25T03:00:00+01:00'],
      ['2026-10-25T23:00:00+01:00', '2026-10-26T00:00:00+01:00'],
    ]);
    const days = yieldStats(db, { timeZone: 'Europe/Berlin', by: 'day' }).periods;
    expect(days.map((p) => [p.start, p.end, p.units])).toEqual([
      ['2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00', 2],
      ['2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00', 3],
    ]);
    expect(Date.parse(days[0].end) - Date.parse(days[0].start)).toBe(23 * 3600_000);
    expect(Date.parse(days[1].end) - Date.parse(days[1].start)).toBe(25 * 3600_000);
  });

  it('floors to the local hour in half- and quarter-hour zones', () => {
    const { db } = freshDb();
    // 10:29 UTC is 15:59 in Kolkata (+05:30); 10:30 UTC is 16:00.
    put(db, [
      { at: '2026-11-28T10:29:00Z', result: 'PASS', hwid: 'A' },
      { at: '2026-11-28T10:30:00Z', result: 'PASS', hwid: 'B' },
    ]);
    expect(yieldStats(db, { timeZone: 'Asia/Kolkata', by: 'hour' }).periods.map((p) => [p.start, p.units])).toEqual([
      ['2026-11-28T15:00:00+05:30', 1],
      ['2026-11-28T16:00:00+05:30', 1],
    ]);
    expect(localIso(hourStart(Date.parse('2026-11-28T10:20:00Z'), 'Asia/Kathmandu'), 'Asia/Kathmandu')).toBe('2026-11-28T16:00:00+05:45');
  });

  it('survives a restart: a new connection to the same file reads the same', () => {
    const { db, home } = freshDb();
    put(db, SHIFT);
    const before = yieldStats(db, { timeZone: 'Asia/Shanghai' });
    db.close();
    open.pop();
    const { db: again } = freshDb(home);
    expect(yieldStats(again, { timeZone: 'Asia/Shanghai' })).toEqual(before);
  });
});

describe('the range as typed', () => {
  it('reads a bare date as the whole day on the station clock: since from its midnight, until through its end', () => {
    expect(parseRangeDate('2026-11-28', '--since', 'since', 'Asia/Shanghai').toISOString()).toBe('2026-11-27T16:00:00.000Z');
    expect(parseRangeDate('2026-11-28', '--until', 'until', 'Asia/Shanghai').toISOString()).toBe('2026-11-28T16:00:00.000Z');
    expect(parseRangeDate('2026-10-25', '--until', 'until', 'Europe/Berlin').toISOString()).toBe('2026-10-25T23:00:00.000Z');
    // Far east of UTC: the date's noon in UTC is already the next day there.
    expect(parseRangeDate('2026-11-28', '--since', 'since', 'Pacific/Kiritimati').toISOString()).toBe('2026-11-27T10:00:00.000Z');
    expect(parseRangeDate('2026-11-28T08:00:00Z', '--until', 'until', 'Asia/Shanghai').toISOString()).toBe('2026-11-28T08:00:00.000Z');
  });

  it('refuses what is not a date with INPUT_INVALID naming the field, and an until not after since', () => {
    for (const raw of ['yesterday', '2026-13-01', '2026-02-30', '']) {
      const e = caught(() => parseRangeDate(raw, '--since', 'since', 'UTC'));
      expect(e, raw).toMatchObject({ code: 'INPUT_INVALID', params: { field: '--since', detail: raw } });
    }
    const order = caught(() => yieldOptionsFrom({ since: '2026-11-28', until: '2026-11-27' }, { since: '--since', until: '--until', by: '--by' }, 'UTC'));
    expect(order).toMatchObject({ code: 'INPUT_INVALID', params: { field: '--until' } });
    const by = caught(() => yieldOptionsFrom({ by: 'week' }, { since: '--since', until: '--until', by: '--by' }, 'UTC'));
    expect(by).toMatchObject({ code: 'INPUT_INVALID', params: { field: '--by', allowed: 'hour | day' } });
    // One day given as both ends: that whole day.
    const day = yieldOptionsFrom({ since: '2026-11-28', until: '2026-11-28' }, { since: '--since', until: '--until', by: '--by' }, 'Asia/Shanghai');
    expect([day.since!.toISOString(), day.until!.toISOString()]).toEqual(['2026-11-27T16:00:00.000Z', '2026-11-28T16:00:00.000Z']);
  });
});

describe('lineYield', () => {
  it("gives this station's slots and hours today, by the same first-placement rule", () => {
    const { db } = freshDb();
    put(db, [
      // Yesterday in Shanghai, and another station today: neither counts.
      { at: '2026-11-27T15:00:00Z', result: 'PASS', hwid: 'HWC', station: 'L1' },
      { at: '2026-11-28T02:00:00Z', result: 'PASS', hwid: 'HWX', station: 'L2' },
      { at: '2026-11-28T01:10:00Z', result: 'FAIL', hwid: 'HWA', station: 'L1', code: 'X' },
      { at: '2026-11-28T02:00:00Z', result: 'PASS', hwid: 'HWD', station: 'L1' },
      { at: '2026-11-28T03:05:00Z', result: 'PASS', hwid: 'HWA', station: 'L1' },
      { at: '2026-11-28T03:10:00Z', result: 'PASS', hwid: 'HWB', station: 'L1', port: 'P2' },
      { at: '2026-11-28T03:15:00Z', result: 'FAIL', hwid: null, station: 'L1', port: 'P2', step: 'mes_check', code: 'MES_REJECTED' },
    ]);
    const y = lineYield(db, 'L1', new Date('2026-11-28T03:20:00Z'), 'Asia/Shanghai');
    expect(y.hour_start).toBe('2026-11-28T11:00:00+08:00');
    expect(y.day_start).toBe('2026-11-28T00:00:00+08:00');
    // P1: HWA (failed first, at 09:10) and HWD; P2: HWB and the MES rejection, both this hour.
    expect(y.slots).toEqual([
      { slot: 'P1', units_hour: 0, units_today: 2, fpy_today: 0.5 },
      { slot: 'P2', units_hour: 2, units_today: 2, fpy_today: 0.5 },
    ]);
    expect(y.hourly).toHaveLength(12);
    expect(y.hourly[0]).toEqual({ start: '2026-11-28T00:00:00+08:00', units: 0, pass: 0, fail: 0 });
    expect(y.hourly.slice(9)).toEqual([
      { start: '2026-11-28T09:00:00+08:00', units: 1, pass: 0, fail: 1 },
      { start: '2026-11-28T10:00:00+08:00', units: 1, pass: 1, fail: 0 },
      { start: '2026-11-28T11:00:00+08:00', units: 2, pass: 2, fail: 1 },
    ]);
    // At one minute past midnight: one empty hour, no slots.
    expect(lineYield(db, 'L1', new Date('2026-11-28T16:01:00Z'), 'Asia/Shanghai')).toEqual({
      hour_start: '2026-11-29T00:00:00+08:00',
      day_start: '2026-11-29T00:00:00+08:00',
      slots: [],
      hourly: [{ start: '2026-11-29T00:00:00+08:00', units: 0, pass: 0, fail: 0 }],
    });
  });

  it('lists the 25 hours of the day the clocks go back in Berlin', () => {
    const { db } = freshDb();
    const y = lineYield(db, 'L1', new Date('2026-10-25T22:30:00Z'), 'Europe/Berlin');
    expect(y.hourly).toHaveLength(25);
    expect(y.hourly.filter((h) => h.start.startsWith('2026-10-25T02:00')).map((h) => h.start)).toEqual(['2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00']);
  });
});

describe("the app's stats handlers", () => {
  it('stats.get reads the dates as the CLI does (blank is absent) and stats.line is this station today on the app clock', async () => {
    const { db } = freshDb();
    put(db, [
      { at: '2026-11-28T03:05:00Z', result: 'PASS', hwid: 'A', station: 'L1' },
      { at: '2026-11-28T03:06:00Z', result: 'PASS', hwid: 'B', station: 'L2' },
      { at: '2026-11-29T03:06:00Z', result: 'FAIL', hwid: 'C', station: 'L1', code: 'X' },
    ]);
    new Settings(db).set('station_code', 'L1', '2026-11-28T00:00:00Z', 'op');
    const core = { opts: { timeZone: 'Asia/Shanghai' }, now: () => new Date('2026-11-28T03:20:00Z'), runtime: () => ({ ctx: { db } }) } as unknown as AppCore;
    const h = statsHandlers(core);
    const day = await h['stats.get']({ since: '2026-11-28', until: '2026-11-28', product_id: 1 });
    expect(day).toMatchObject({ product_id: 1, since: '2026-11-28T00:00:00+08:00', until: '2026-11-29T00:00:00+08:00', by: 'hour', time_zone: 'Asia/Shanghai', totals: counts(2, 2, 0, 0, 2) });
    expect((await h['stats.get']({ since: ' ', until: '' })).totals).toEqual(counts(3, 2, 1, 0, 2));
    expect(caught(() => h['stats.get']({ since: 'soon' }))).toMatchObject({ code: 'INPUT_INVALID', params: { field: 'since' } });
    const line = await h['stats.line'](undefined);
    expect(line.slots).toEqual([{ slot: 'P1', units_hour: 1, units_today: 1, fpy_today: 1 }]);
    expect(line.hour_start).toBe('2026-11-28T11:00:00+08:00');
  });
});
