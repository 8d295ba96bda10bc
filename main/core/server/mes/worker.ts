import { deliverServerMes, type ServerMesDeps } from './sender.js';
import { serverMesStatus } from './events.js';

/**
 * The server's background MES sender: every `pollMs`, and when nudged (an uplink brought
 * events); after a failure not before the backoff says. One delivery at a time.
 */
export class ServerMesWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly d: ServerMesDeps,
    private readonly pollMs = 2_000,
  ) {}

  start(): this {
    this.schedule(0);
    return this;
  }

  nudge(): void {
    if (!this.running) this.schedule(0);
  }

  /** `wxprov server mes sync`: after the delivery running now, one more. */
  async runNow(): ReturnType<typeof deliverServerMes> {
    await this.running;
    const p = deliverServerMes(this.d, { signal: this.abort.signal });
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
    if (this.running || this.stopped) return this.schedule(this.pollMs);
    let wait = this.pollMs;
    const p = (async () => {
      const next = (await serverMesStatus(this.d.db)).next_attempt_at;
      const due = next ? Date.parse(next) - this.d.now().getTime() : 0;
      if (due > 0) return void (wait = Math.min(due, this.pollMs));
      await deliverServerMes(this.d, { signal: this.abort.signal });
    })().catch((e: unknown) => this.d.log.error('mes.worker_error', { error: e instanceof Error ? e.message : String(e) }));
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
