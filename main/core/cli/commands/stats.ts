import type { Writable } from 'node:stream';
import { yieldOptionsFrom, yieldStats, type YieldCounts, type YieldStats } from '../../registry/yield-stats.js';
import { systemTimeZone } from '../../util/local-day.js';
import { optStr, productId } from '../args.js';
import type { Command } from '../command.js';
import { printJson, printTable } from '../output.js';

const USAGE = 'wxprov stats [--product <id>] [--since <date>] [--until <date>] [--by hour|day] [--json]';

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

const countCells = (c: YieldCounts) => [c.units, c.pass, c.fail, c.existing, c.first_pass, pct(c.fpy)];
const COUNT_HEADER = ['units', 'PASS', 'FAIL', 'EXISTING', 'first_pass', 'FPY'];

/** A period as the station's clock reads it; an hour that happens twice (clocks set back) shows its offset. */
function periodLabels(s: YieldStats): string[] {
  const plain = s.periods.map((p) => (s.by === 'day' ? p.start.slice(0, 10) : p.start.slice(0, 16).replace('T', ' ')));
  return plain.map((l, i) => (plain.indexOf(l) !== plain.lastIndexOf(l) ? `${l} ${s.periods[i].start.slice(19)}` : l));
}

function printStats(out: Writable, s: YieldStats): void {
  const range = s.since || s.until ? `${s.since ?? 'start'} .. ${s.until ?? 'now'}` : 'all results';
  const t = s.totals;
  out.write(
    `units ${t.units}  PASS ${t.pass}  FAIL ${t.fail}  EXISTING ${t.existing}  first_pass ${t.first_pass}  FPY ${pct(t.fpy)}` +
      `  (${s.product_id === null ? 'all products' : `product ${s.product_id}`}, ${range}, by ${s.by}, ${s.time_zone})\n`,
  );
  if (t.units === 0) return;
  out.write('\n');
  const labels = periodLabels(s);
  printTable(out, [s.by, ...COUNT_HEADER], s.periods.map((p, i) => [labels[i], ...countCells(p)]));
  out.write('\n');
  printTable(out, ['slot', ...COUNT_HEADER], s.slots.map((c) => [c.slot, ...countCells(c)]));
  out.write('\n');
  printTable(out, ['station', ...COUNT_HEADER], s.stations.map((c) => [c.station, ...countCells(c)]));
  if (s.pareto.length) {
    out.write('\nFailures\n');
    printTable(out, ['step', 'code', 'count', 'share', 'cumulative'], s.pareto.map((r) => [r.step, r.code || '-', r.count, pct(r.share), pct(r.cumulative)]));
  }
}

/**
 * Yield from the results log (every placement's result, with or without a device id): units,
 * PASS / FAIL / EXISTING and first-pass yield per period, slot and station, and the failures'
 * Pareto by step and code. Dates as `records --since` takes them; a bare `--until` date
 * includes that whole day on the station's clock.
 */
export const statsCommand: Command = {
  path: ['stats'],
  usage: USAGE,
  summary: 'Yield from the results log: units, PASS/FAIL/EXISTING and first-pass yield per hour or day, slot and station; failures by step and code',
  options: { product: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean' } },
  async run(v, _p, io) {
    const timeZone = systemTimeZone();
    const opts = yieldOptionsFrom(
      { product_id: v.product === undefined ? undefined : productId(v, USAGE), since: optStr(v, 'since'), until: optStr(v, 'until'), by: optStr(v, 'by') },
      { since: '--since', until: '--until', by: '--by' },
      timeZone,
    );
    const s = yieldStats(io.context().db, opts);
    if (v.json) return void printJson(io.stdout, s);
    printStats(io.stdout, s);
  },
};
