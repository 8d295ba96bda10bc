import type { CoreContext } from '../context.js';
import { MesOutbox } from './events.js';
import { deliverMes, type DeliverOptions } from './sender.js';

export interface MesWorkerOptions extends Pick<DeliverOptions, 'fetch'> {
  /** How often it looks for events written by another process (the CLI beside the app). */
  pollMs?: number;
}

/**
 * The background sender of `station` and the app: the line never waits for the MES. Wakes
 * when nudged (a result was just queued), every `pollMs`, and after a failure not before the
 * backoff says; one delivery at a time.
 */
export class MesWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly ctx: Pick<CoreContext, 'db' | 'env' | 'now' | 'log' | 'vault'>,
    private readonly o: MesWorkerOptions = {},
  ) {}

  start(): this {
    this.schedule(0);
    return this;
  }

  /** A result was queued: send it now unless a backoff is running. */
  nudge(): void {
    if (this.stopped || this.running) return;
    const next = new MesOutbox(this.ctx.db).status().next_attempt_at;
    this.schedule(next ? Math.max(0, Date.parse(next) - this.ctx.now().getTime()) : 0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    const poll = this.o.pollMs ?? 5_000;
    let wait = poll;
    this.running = (async () => {
      try {
        const next = new MesOutbox(this.ctx.db).status().next_attempt_at;
        const due = next ? Date.parse(next) - this.ctx.now().getTime() : 0;
        if (due > 0) {
          wait = Math.min(due, poll);
          return;
        }
        const r = await deliverMes(this.ctx, { fetch: this.o.fetch, signal: this.abort.signal });
        if (r.failed && r.status.next_attempt_at) wait = Math.max(0, Math.min(poll, Date.parse(r.status.next_attempt_at) - this.ctx.now().getTime()));
      } catch (e) {
        this.ctx.log.error('mes.worker_error', { error: e instanceof Error ? e.message : String(e) });
      }
    })();
    await this.running;
    this.running = undefined;
    this.schedule(wait);
  }

  /** Stops; a report in flight is cut (it stays pending and goes again under its id). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
  }
}
