/**
 * At most `limit` calls of `run` at once; the rest wait their turn in arrival order. A call
 * that throws frees its place like one that returns.
 */
export class Gate {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a gate's limit is a whole number ≥ 1, not ${limit}`);
  }

  /** Calls waiting for a place now. */
  get waiting(): number {
    return this.queue.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      // The place passes straight to the next in line (running stays the same), or is freed.
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
