/**
 * A bench suite measures one area of the station and judges it against its goals. index.ts
 * runs suites in order (all, or the ones named on the command line); add a suite by writing
 * a module that exports a BenchSuite and listing it in SUITES there.
 */
export interface Metric {
  /** Stable key for the JSON line, snake_case. */
  key: string;
  label: string;
  /** null when it could not be measured (see `error`). */
  value: number | null;
  unit: string;
  note?: string;
  error?: string;
}

export interface Goal {
  key: string;
  label: string;
  value: number | null;
  op: '>=' | '<=';
  target: number;
  /** undefined when the value could not be measured. */
  met: boolean | undefined;
}

export interface SuiteResult {
  metrics: Metric[];
  goals: Goal[];
  /** Anything else worth keeping in the JSON line (versions, sizes). */
  info?: Record<string, string | number | boolean>;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(log: (msg: string) => void): Promise<SuiteResult>;
}

export function goal(key: string, label: string, value: number | null, op: Goal['op'], target: number): Goal {
  const met = value === null || !Number.isFinite(value) ? undefined : op === '>=' ? value >= target : value <= target;
  return { key, label, value, op, target, met };
}

/** Runs a measurement; a failure becomes a metric with value null and the reason, never a crash. */
export async function measure(
  base: Omit<Metric, 'value' | 'error'>,
  fn: () => Promise<number> | number,
): Promise<Metric> {
  try {
    return { ...base, value: await fn() };
  } catch (e) {
    return { ...base, value: null, error: (e as Error).message.split('\n')[0] };
  }
}

export const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);
