import type { Db } from '../db/open.js';
import { UnitResults, type ResultCounts } from '../registry/unit-results.js';
import { localDay, systemTimeZone, type LocalDay } from '../util/local-day.js';

export type TodayTotals = ResultCounts;

/**
 * Units finished today at this station: every result the station reported (PASS, FAIL,
 * EXISTING; the app's line and the CLI's flash and station alike) since midnight on the
 * station's clock, read from the results log, so a restart changes nothing. "Today" is the
 * local day of the injected clock in the station's time zone.
 */
export class TodayCounter {
  private day?: LocalDay;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
    private readonly timeZone: string = systemTimeZone(),
  ) {}

  totals(station: string | undefined): TodayTotals {
    const now = this.now();
    // The day's bounds cost a few time-zone lookups: worked out again only when it ends.
    if (!this.day || now < this.day.start || now >= this.day.end) this.day = localDay(now, this.timeZone);
    return new UnitResults(this.db).count(this.day.start, this.day.end, station);
  }
}
