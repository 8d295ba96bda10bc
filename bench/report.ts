import type { Goal, Metric, SuiteResult } from './suite.js';

/** 12345.6 → "12,346"; 0.123 → "0.123"; null → "n/a". */
export function fmt(v: number | null, digits?: number): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : Math.abs(v) >= 1 ? 2 : 3);
  return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[\d,.\-x]+$|^n\/a$/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const metricRow = (m: Metric): string[] => [m.label, fmt(m.value), m.unit, m.error ? `FAILED: ${m.error}` : (m.note ?? '')];

const goalStatus = (g: Goal): string => (g.met === undefined ? 'not measured' : g.met ? 'met' : 'not met');

export function renderSuite(name: string, r: SuiteResult, elapsed: number): string {
  const out = [
    `== bench ${name} (${fmt(elapsed, 1)} s)`,
    '',
    table(['measure', 'value', 'unit', 'note'], r.metrics.map(metricRow)),
    '',
    table(
      ['goal', 'ratio', 'target', 'status'],
      r.goals.map((g) => [g.label, g.value === null ? 'n/a' : `${fmt(g.value, g.value >= 100 ? 0 : 2)}x`, `${g.op} ${fmt(g.target, g.target >= 100 ? 0 : 2)}x`, goalStatus(g)]),
    ),
  ];
  return out.join('\n');
}

const round = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : Number(v.toPrecision(6)));

/** The one JSON line per suite: `{"bench":"keys",...}`, flat enough to grep and diff. */
export function jsonLine(name: string, r: SuiteResult, elapsed: number): string {
  const metrics: Record<string, number | null> = {};
  const errors: Record<string, string> = {};
  for (const m of r.metrics) {
    metrics[m.key] = round(m.value);
    if (m.error) errors[m.key] = m.error;
  }
  const goals: Record<string, { value: number | null; target: number; op: string; met: boolean | null }> = {};
  for (const g of r.goals) goals[g.key] = { value: round(g.value), target: g.target, op: g.op, met: g.met ?? null };
  return JSON.stringify({
    bench: name,
    elapsed_s: round(elapsed),
    ...metrics,
    goals,
    all_goals_met: r.goals.every((g) => g.met === true),
    ...(Object.keys(errors).length ? { errors } : {}),
    ...(r.info ? { info: r.info } : {}),
  });
}
