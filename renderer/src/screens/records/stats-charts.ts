/**
 * The statistics tab's chart options, built from the numbers alone (no DOM): the failure
 * Pareto and units per period. Labels come in already translated.
 */
import type { ParetoRow, YieldPeriod } from '../../../../preload/contract';
import type { ChartOption } from '../../components/charts/echarts-setup';
import { periodLabel } from '../../util/yield-format';

const pct = (share: number) => Math.round(share * 1000) / 10;

/** A Pareto bar's name: the step in the reader's words and the error code, one per line. */
export const paretoLabel = (r: ParetoRow, stepWord: (step: string) => string) => `${r.code}\n${stepWord(r.step)}`;

/**
 * Bars: failures by step and code, most first; line: their running share on a 0–100 % right
 * axis, so "the few causes behind most failures" reads off where the line crosses 80 %.
 */
export function paretoOption(rows: ParetoRow[], words: { count: string; cumulative: string }, stepWord: (step: string) => string): ChartOption {
  return {
    animation: false,
    // Room below for the two-line labels (code, step); every label shown, cut to its width.
    grid: { left: 48, right: 56, top: 36, bottom: 56 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: rows.map((r) => paretoLabel(r, stepWord)), axisLabel: { interval: 0, fontSize: 11, lineHeight: 15, width: 120, overflow: 'truncate' } },
    yAxis: [
      { type: 'value', name: words.count, minInterval: 1 },
      { type: 'value', name: words.cumulative, min: 0, max: 100, axisLabel: { formatter: '{value} %' }, splitLine: { show: false } },
    ],
    series: [
      { type: 'bar', name: words.count, data: rows.map((r) => r.count), itemStyle: { color: '#cf1322' }, barMaxWidth: 48 },
      { type: 'line', name: words.cumulative, yAxisIndex: 1, data: rows.map((r) => pct(r.cumulative)), itemStyle: { color: '#595959' }, tooltip: { valueFormatter: (v) => `${v} %` } },
    ],
  };
}

/** Bars: units per hour or day; line: that period's first-pass rate on a 0–100 % right axis. */
export function periodOption(periods: YieldPeriod[], by: 'hour' | 'day', words: { units: string; fpy: string }): ChartOption {
  return {
    animation: false,
    grid: { left: 48, right: 56, top: 36, bottom: 40 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: periods.map((p) => periodLabel(p.start, by)) },
    yAxis: [
      { type: 'value', name: words.units, minInterval: 1 },
      { type: 'value', name: words.fpy, min: 0, max: 100, axisLabel: { formatter: '{value} %' }, splitLine: { show: false } },
    ],
    series: [
      { type: 'bar', name: words.units, data: periods.map((p) => p.units), itemStyle: { color: '#1677ff' }, barMaxWidth: 48 },
      { type: 'line', name: words.fpy, yAxisIndex: 1, data: periods.map((p) => (p.fpy === null ? null : pct(p.fpy))), itemStyle: { color: '#389e0d' }, connectNulls: false, tooltip: { valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v} %`) } },
    ],
  };
}
