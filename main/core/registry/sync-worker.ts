import type { CoreContext } from '../context.js';
import type { ErrorPayload } from '../errors/wx-error.js';
import { backoffDelay } from '../wechat/backoff.js';
import { Outbox, type QueueStats } from './outbox.js';
import { syncOnce, type SyncResult } from './sync.js';

export type SyncPhase = 'idle' | 'syncing' | 'retrying' | 'paused' | 'stopped' | 'offline';

export interface SyncStatus {
  phase: SyncPhase;
  queue: QueueStats;
  progress?: { done: number; total: number };
  last_result?: SyncResult;
  last_error?: ErrorPayload;
  /** When the worker will try again by itself (ISO), if it will. */
  next_attempt_at?: string;
}

export interface SyncWorkerOptions {
  /** How often to look for new work when idle. */
  idleMs?: number;
  /** Backoff after network faults: base doubles per failure up to cap, with jitter. */
  backoff?: { baseMs: number; capMs: number };
  /** After a fault only a person can fix (credentials, permissions): look again this late. */
  stoppedMs?: number;
  random?: () => number;
  onStatus?: (s: SyncStatus) => void;
}

/** Faults that time can fix; anything else waits for a person (or the long recheck). */
const TRANSIENT = new Set(['NET_UNREACHABLE', 'NET_TIMEOUT', 'NET_HTTP_STATUS', 'NET_BAD_RESPONSE', 'WX_SYSTEM_BUSY']);

/**
 * The app's background sync: drains the outbox whenever there is work and the network is
 * there, backs off on network faults, sleeps through a quota pause, and stops (saying why)
 * on faults a person must fix. `nudge()` runs it now: new work queued, settings changed,
 * connectivity back.
 */
export class SyncWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private failures = 0;
  private online = true;
  private stopped = true;
  private status: SyncStatus;
  /** The result of the latest drain (for runNow). */
  private lastRun?: SyncResult;
  private readonly o: Required<Omit<SyncWorkerOptions, 'onStatus'>> & Pick<SyncWorkerOptions, 'onStatus'>;

  constructor(
    private readonly ctx: CoreContext,
    opts: SyncWorkerOptions = {},
  ) {
    this.o = {
      idleMs: opts.idleMs ?? 60_000,
      backoff: opts.backoff ?? { baseMs: 5_000, capMs: 300_000 },
      stoppedMs: opts.stoppedMs ?? 600_000,
      random: opts.random ?? Math.random,
      onStatus: opts.onStatus,
    };
    this.status = { phase: 'idle', queue: new Outbox(ctx.db).stats() };
  }

  /** The status with the queue counted now (work may have been queued since the last event). */
  current(): SyncStatus {
    return { ...this.status, queue: new Outbox(this.ctx.db).stats() };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  nudge(): void {
    if (this.stopped || !this.online) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /**
   * "Sync now": waits for a drain under way, runs one more whatever the queue looks like, and
   * answers its result. The loop goes on by itself afterwards (if started).
   */
  async runNow(): Promise<SyncResult> {
    // Bounded: a drain under way ends; waiting for it must never turn into a spin.
    for (let i = 0; this.running && i < 10; i++) await this.running;
    clearTimeout(this.timer);
    this.lastRun = undefined;
    await this.run(true);
    if (this.lastRun) return this.lastRun;
    const pending = new Outbox(this.ctx.db).stats().pending;
    const error = this.status.last_error;
    return { synced: 0, failed: 0, pending, calls: 0, ...(error ? { error } : {}), by_code: pending > 0 ? { [error?.code ?? 'pending']: pending } : {} };
  }

  /** A person lifted the quota pause (resumeSync): the status forgets it and a drain starts now. */
  resumed(): void {
    const r = this.status.last_result;
    this.emit({ phase: this.online ? 'idle' : 'offline', last_result: r && { ...r, paused_until: undefined }, next_attempt_at: undefined });
    this.nudge();
  }

  setOnline(online: boolean): void {
    this.online = online;
    if (!online) {
      clearTimeout(this.timer);
      this.emit({ phase: 'offline', next_attempt_at: undefined });
    } else {
      this.failures = 0;
      this.nudge();
    }
  }

  private emit(patch: Partial<SyncStatus>): void {
    this.status = { ...this.status, ...patch, queue: new Outbox(this.ctx.db).stats() };
    this.o.onStatus?.(this.status);
  }

  /**
   * A batch went through. Counting the outbox here would scan it once per batch (a 100k-id
   * sync sends 1,000): the pending count is derived instead, and the full count is taken
   * again when the run ends.
   */
  private progress(p: { done: number; total: number }): void {
    this.status = { ...this.status, progress: p, queue: { ...this.status.queue, pending: Math.max(0, p.total - p.done) } };
    this.o.onStatus?.(this.status);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped || !this.online) return;
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref?.();
  }

  private run(force = false): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      // Nothing below may run before `running` is assigned: an idle pass has no other await,
      // and clearing `running` synchronously would leave it set to this promise for good.
      await null;
      let next: { wait: number; patch: Partial<SyncStatus> };
      try {
        const pending = new Outbox(this.ctx.db).stats().pending;
        if (!force && pending === 0 && !this.status.last_error) next = { wait: this.o.idleMs, patch: { phase: 'idle', progress: undefined } };
        else {
          this.emit({ phase: 'syncing', progress: { done: 0, total: pending }, next_attempt_at: undefined });
          const r = await syncOnce(this.ctx, { onProgress: (p) => this.progress(p) });
          this.lastRun = r;
          next = this.after(r);
        }
      } catch (e) {
        // A defect, not a platform answer: keep the loop alive and say so.
        this.ctx.log.error('sync.worker.crash', { error: e instanceof Error ? e.message : String(e) });
        next = { wait: this.o.stoppedMs, patch: { phase: 'stopped' } };
      }
      this.running = undefined;
      if (this.again) {
        this.again = false;
        next.wait = 0;
      }
      const scheduled = next.wait > 0 && !this.stopped && this.online;
      this.emit({ ...next.patch, next_attempt_at: scheduled ? new Date(this.ctx.now().getTime() + next.wait).toISOString() : undefined });
      this.schedule(next.wait);
    })();
    return this.running;
  }

  /** What a run's result means: the next status and how long until the next attempt. */
  private after(r: SyncResult): { wait: number; patch: Partial<SyncStatus> } {
    if (!r.error) {
      this.failures = 0;
      return { wait: r.pending > 0 ? 0 : this.o.idleMs, patch: { phase: 'idle', last_result: r, last_error: undefined, progress: undefined } };
    }
    const patch = { last_result: r, last_error: r.error };
    if (r.paused_until) {
      return { wait: Math.max(1000, new Date(r.paused_until).getTime() - this.ctx.now().getTime()), patch: { ...patch, phase: 'paused' } };
    }
    if (TRANSIENT.has(r.error.code)) {
      this.failures++;
      return { wait: backoffDelay(this.failures, { ...this.o.backoff, floor: 0.5 }, this.o.random), patch: { ...patch, phase: 'retrying' } };
    }
    return { wait: this.o.stoppedMs, patch: { ...patch, phase: 'stopped' } };
  }
}
