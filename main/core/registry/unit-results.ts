import type { Db } from '../db/open.js';

export type UnitOutcome = 'PASS' | 'FAIL' | 'EXISTING';

/** What is kept of one unit's result: enough to count it and to say which unit it was. */
export interface ResultRecord {
  result: UnitOutcome;
  port: string;
  product_id: number;
  device_id: string | null;
  hwid: string | null;
  step: string;
  code: string | null;
  /** The scanned SN, when one was (migration 0015). */
  sn?: string | null;
}

export interface ResultCounts {
  total: number;
  pass: number;
  fail: number;
  existing: number;
}

/**
 * The results log (migration 0009): one row per result the station reported, whether or not
 * the ledger has a row for that unit. The day's counters are read from here, so they are the
 * same before and after a restart, and count the CLI's `flash` and `station` too.
 */
export class UnitResults {
  constructor(private readonly db: Db) {}

  add(r: ResultRecord, station: string | null, at: Date): void {
    this.db
      .prepare(
        `INSERT INTO unit_results (at, station, port, product_id, result, device_id, hwid, step, code, sn)
         VALUES (@at, @station, @port, @product_id, @result, @device_id, @hwid, @step, @code, @sn)`,
      )
      .run({ ...r, sn: r.sn ?? null, station, at: at.toISOString() });
  }

  /** Results reported in [start, end), at one station or (without one) at any. */
  count(start: Date, end: Date, station?: string): ResultCounts {
    const rows = this.db
      .prepare(
        `SELECT result, COUNT(*) AS n FROM unit_results
         WHERE at >= @start AND at < @end ${station ? 'AND station = @station' : ''}
         GROUP BY result`,
      )
      .all({ start: start.toISOString(), end: end.toISOString(), ...(station ? { station } : {}) }) as { result: UnitOutcome; n: number }[];
    const by = Object.fromEntries(rows.map((r) => [r.result, r.n])) as Partial<Record<UnitOutcome, number>>;
    const pass = by.PASS ?? 0;
    const fail = by.FAIL ?? 0;
    const existing = by.EXISTING ?? 0;
    return { total: pass + fail + existing, pass, fail, existing };
  }
}
