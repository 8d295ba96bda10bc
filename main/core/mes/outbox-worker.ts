import type { Logger } from '../log/logger.js';

export interface OutboxWorkerOptions {
  /** When the next delivery may start (ms since epoch; 0 or past: now) — after a failure, the backoff's end. */
  nextDue(): Promise<number> | number;
  /** One delivery of everything waiting; stops early when the signal aborts. */
  deliver(signal: AbortSignal): Promise<unknown>;
  now(): number;
  log: Logger;
  /** How often it looks anyway (events another process wrote, a backoff's end). */
  pollMs: number;
}

/**
 * The background loop of an MES report outbox, the station's and the factory server's: wakes
 * when nudged (a result or an uplink just queued events), every `pollMs`, and after a failure
 * not before the backoff says; one delivery at a time; `runNow` waits for the one running and
 * runs another. Stopping cuts a report in flight (it stays pending and goes again under its id).
 */
export class OutboxWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly o: OutboxWorkerOptions) {}

  start(): this {
    this.schedule(0);
    return this;
  }

  nudge(): void {
    if (!this.running) this.schedule(0);
  }

  async runNow<T>(deliver: (signal: AbortSignal) => Promise<T>): Promise<T> {
    await this.running;
    const p = deliver(this.abort.signal);
    this.running = p.catch(() => undefined);
    try {
      return await p;
    } finally {
      this.running = undefined;
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.running) return this.schedule(this.o.pollMs);
    let wait = this.o.pollMs;
    const p = (async () => {
      const due = (await this.o.nextDue()) - this.o.now();
      if (due > 0) return void (wait = Math.min(due, this.o.pollMs));
      await this.o.deliver(this.abort.signal);
      const after = (await this.o.nextDue()) - this.o.now();
      if (after > 0) wait = Math.min(after, this.o.pollMs);
    })().catch((e: unknown) => this.o.log.error('mes.worker_error', { error: e instanceof Error ? e.message : String(e) }));
    this.running = p;
    await p;
    this.running = undefined;
    this.schedule(wait);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
  }
}
