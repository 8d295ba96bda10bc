import { toPayload } from '../../errors/wx-error.js';
import type { Logger } from '../../log/logger.js';
import { backoffDelay } from '../../wechat/backoff.js';
import type { RegistrationResult } from './pass.js';

export interface RegistrationWorkerOptions {
  /** Look for new work this often when nothing nudges (blocks and signatures nudge). */
  idleMs?: number;
  /** After network faults: doubling from base to cap, with jitter. */
  backoff?: { baseMs: number; capMs: number };
  /** After a fault a person must fix (credentials, a product's model name): look again this late. */
  stoppedMs?: number;
  /** The longest sleep through a quota pause before looking again (a resume, a clock change). */
  pauseCheckMs?: number;
  random?: () => number;
  /** Timers (tests pass their own); setTimeout by default. */
  setTimer?: (fn: () => void, ms: number) => { clear(): void };
}

/** Faults that time can fix: tried again soon, with backoff. */
const TRANSIENT = new Set(['NET_UNREACHABLE', 'NET_TIMEOUT', 'NET_HTTP_STATUS', 'NET_BAD_RESPONSE', 'WX_SYSTEM_BUSY', 'FLEET_STORE_FAILED']);

const realTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return { clear: () => clearTimeout(t) };
};

/**
 * The server's background registration: runs a pass whenever there is work (a block minted, an
 * id signed: `nudge()`) and every `idleMs` anyway, backs off on network faults, sleeps through
 * a quota pause, and waits long after a fault a person must fix. One pass at a time in this
 * process: `runNow()` (`wxprov server sync`) waits for a running pass and then runs its own, so
 * its answer is about now. Other processes on the same database may run their own passes: the
 * claim (`FOR UPDATE SKIP LOCKED`) keeps them apart.
 */
export class RegistrationWorker {
  private timer?: { clear(): void };
  private chain: Promise<unknown> = Promise.resolve();
  private failures = 0;
  private stopped = true;
  private readonly o: Required<RegistrationWorkerOptions>;

  constructor(
    private readonly pass: () => Promise<RegistrationResult>,
    private readonly log: Logger,
    opts: RegistrationWorkerOptions = {},
  ) {
    this.o = {
      idleMs: opts.idleMs ?? 30_000,
      backoff: opts.backoff ?? { baseMs: 5_000, capMs: 300_000 },
      stoppedMs: opts.stoppedMs ?? 600_000,
      pauseCheckMs: opts.pauseCheckMs ?? 3_600_000,
      random: opts.random ?? Math.random,
      setTimer: opts.setTimer ?? realTimer,
    };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** New work was queued: a pass soon (not when paused or waiting after a fault: the reason still holds). */
  nudge(): void {
    if (!this.stopped && this.failures === 0) this.schedule(0);
  }

  /** A pass now, after any that is running; its result (or its error). */
  runNow(): Promise<RegistrationResult> {
    const run = this.chain.catch(() => {}).then(() => this.pass());
    this.chain = run;
    return run;
  }

  /** No pass starts after this; resolves when the running one has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.clear();
    await this.chain.catch(() => {});
  }

  private schedule(ms: number): void {
    this.timer?.clear();
    this.timer = this.o.setTimer(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let next = this.o.idleMs;
    try {
      const r = await this.runNow();
      if (r.paused_until) next = Math.min(Math.max(1000, Date.parse(r.paused_until) - Date.now()), this.o.pauseCheckMs);
      else if (r.error) next = this.failed(r.error.code);
      else {
        this.failures = 0;
        // More was queued while this pass ran, or it stopped at products it skipped: look again soon, not at once.
        if (r.pending > 0 && !r.skipped) next = Math.min(1000, this.o.idleMs);
      }
    } catch (e) {
      const p = toPayload(e);
      this.log.warn('registration.pass_failed', { code: p.code, detail: p.params?.detail });
      next = this.failed(p.code);
    }
    if (!this.stopped) this.schedule(next);
  }

  private failed(code: string): number {
    this.failures++;
    return TRANSIENT.has(code) ? backoffDelay(this.failures, this.o.backoff, this.o.random) : this.o.stoppedMs;
  }
}
