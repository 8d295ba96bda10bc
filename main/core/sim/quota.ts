/**
 * Calls per endpoint per day, like the platform's daily API quota. Days are UTC days of the
 * injected clock, so a test moves past midnight by moving the clock.
 */
export class DailyQuota {
  private readonly used = new Map<string, number>();

  constructor(
    private readonly limit: number | undefined,
    private readonly now: () => number,
  ) {}

  /** Counts one call; false when it is over the day's limit. */
  take(endpoint: string): boolean {
    if (this.limit === undefined) return true;
    const key = `${Math.floor(this.now() / 86_400_000)}:${endpoint}`;
    const n = (this.used.get(key) ?? 0) + 1;
    this.used.set(key, n);
    return n <= this.limit;
  }
}
