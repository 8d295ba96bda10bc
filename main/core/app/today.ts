import type { Db } from '../db/open.js';
import type { UnitResult } from '../serial/provision.js';

export interface TodayTotals {
  total: number;
  pass: number;
  fail: number;
  existing: number;
}

const startOfLocalDay = (d: Date): Date => new Date(d.getFullYear(), d.getMonth(), d.getDate());

/**
 * Units finished today on this station. PASS and FAIL come from the audit log (so they
 * survive a restart and count the CLI's flashes too): status changes to `verified` and to
 * `failed` at this station since local midnight. What the ledger never sees — EXISTING units,
 * and failures before an id was allocated (no answer, wrong protocol) — is counted here for
 * the day. The audit table is append-only and its ids grow with time, so today's rows are
 * found by a binary search on the id (a few lookups, even at millions of rows) and only they
 * are scanned.
 */
export class TodayCounter {
  private day?: string;
  private firstId = 1;
  private unrecorded = { fail: 0, existing: 0 };

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** A unit result the ledger does not show. */
  note(u: UnitResult): void {
    this.roll();
    if (u.result === 'EXISTING') this.unrecorded.existing++;
    else if (u.result === 'FAIL' && u.device_id === null) this.unrecorded.fail++;
  }

  totals(station: string | undefined): TodayTotals {
    const start = this.roll();
    const rows = this.db
      .prepare(
        `SELECT to_state, COUNT(*) AS n FROM audit
         WHERE id >= @first AND action = 'status' AND to_state IN ('verified', 'failed') AND at >= @start ${station ? 'AND station = @station' : ''}
         GROUP BY to_state`,
      )
      .all({ first: this.firstId, start, ...(station ? { station } : {}) }) as { to_state: string; n: number }[];
    const by = Object.fromEntries(rows.map((r) => [r.to_state, r.n]));
    const pass = by.verified ?? 0;
    const fail = (by.failed ?? 0) + this.unrecorded.fail;
    const existing = this.unrecorded.existing;
    return { total: pass + fail + existing, pass, fail, existing };
  }

  /** Starts a new day when the date changed; answers today's start (ISO). */
  private roll(): string {
    const start = startOfLocalDay(this.now());
    const day = start.toISOString();
    if (day !== this.day) {
      this.day = day;
      this.unrecorded = { fail: 0, existing: 0 };
      this.firstId = this.firstIdSince(day);
    }
    return day;
  }

  private firstIdSince(iso: string): number {
    const max = (this.db.prepare('SELECT COALESCE(MAX(id), 0) FROM audit').pluck().get() as number) ?? 0;
    const atOrAfter = this.db.prepare('SELECT at FROM audit WHERE id >= ? ORDER BY id LIMIT 1').pluck();
    let lo = 1;
    let hi = max + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const at = atOrAfter.get(mid) as string | undefined;
      if (at === undefined || at >= iso) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
