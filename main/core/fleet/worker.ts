import type { CoreContext } from '../context.js';
import { isWxError, toPayload, type ErrorPayload } from '../errors/wx-error.js';
import { backoffDelay } from '../wechat/backoff.js';
import { fleetSync, type FleetSyncResult } from './fleet-sync.js';
import { refill } from './refill.js';
import { FleetSession, type SessionOptions } from './session.js';

export type FleetPhase = 'idle' | 'syncing' | 'offline' | 'locked' | 'revoked' | 'stopped';

export interface FleetWorkerStatus {
  phase: FleetPhase;
  last_result?: FleetSyncResult;
  last_error?: ErrorPayload;
  next_attempt_at?: string;
}

export interface FleetWorkerOptions {
  /** A pass this often when all is well: uplink, downlink, refill. */
  intervalMs?: number;
  /** After FLEET_OFFLINE: base doubling per failure up to cap, with jitter. */
  backoff?: { baseMs: number; capMs: number };
  /** After something a person must fix (the key store locked, a certificate mismatch): look again this late. */
  stoppedMs?: number;
  random?: () => number;
  session?: SessionOptions;
  onStatus?: (s: FleetWorkerStatus) => void;
}

const LOCKED = new Set(['KEY_PASSPHRASE_REQUIRED', 'KEYSTORE_LOCKED', 'KEYSTORE_NOT_SET_UP']);
const TRANSIENT = new Set(['FLEET_OFFLINE', 'FLEET_BAD_RESPONSE']);

/**
 * A joined station's background exchange with its server, in the process that runs the line
 * (the `station` command, the app): the uplink, the downlink and block refills every
 * `intervalMs`, sooner when nudged (a PASS, half a block used), backing off while the server is
 * unreachable. The unit's path never waits for it: provisionUnit only nudges. `stop()` aborts
 * the exchange under way (its rows stay queued) and resolves once it has ended, so the caller
 * can close the database after it.
 */
export class FleetWorker {
  private readonly session: FleetSession;
  private readonly abort = new AbortController();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private looping = false;
  private again: 'sync' | 'refill' | undefined;
  private failures = 0;
  private status: FleetWorkerStatus = { phase: 'idle' };
  private readonly o: Required<Omit<FleetWorkerOptions, 'onStatus' | 'session'>> & Pick<FleetWorkerOptions, 'onStatus'>;

  constructor(
    private readonly ctx: CoreContext,
    opts: FleetWorkerOptions = {},
  ) {
    this.session = new FleetSession(ctx, opts.session);
    this.o = {
      intervalMs: opts.intervalMs ?? 30_000,
      backoff: opts.backoff ?? { baseMs: 2_000, capMs: 120_000 },
      stoppedMs: opts.stoppedMs ?? 300_000,
      random: opts.random ?? Math.random,
      onStatus: opts.onStatus,
    };
  }

  current(): FleetWorkerStatus {
    return this.status;
  }

  /** Passes every intervalMs from now on (the first at once). */
  start(): void {
    this.looping = true;
    this.schedule(0);
  }

  /** A full pass soon (work was queued, the network is back). */
  nudge(): void {
    this.kick('sync');
  }

  /** Blocks topped up soon; works without start() (a one-unit `flash` asks for it and waits in stop()). */
  refillSoon(): void {
    this.kick('refill');
  }

  /** Waits for the exchange under way (and one asked for meanwhile) to end on its own. */
  async settle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Ends the loop: aborts the exchange under way and waits for it. Idempotent. */
  async stop(): Promise<void> {
    this.looping = false;
    clearTimeout(this.timer);
    this.abort.abort();
    while (this.running) await this.running;
    this.session.close();
    if (this.status.phase !== 'revoked') this.emit({ phase: 'stopped', next_attempt_at: undefined });
  }

  private kick(kind: 'sync' | 'refill'): void {
    if (this.abort.signal.aborted || this.status.phase === 'revoked') return;
    if (this.running) {
      this.again = this.again === 'sync' || kind === 'sync' ? 'sync' : 'refill';
      return;
    }
    clearTimeout(this.timer);
    void this.run(kind);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.looping || this.abort.signal.aborted) return;
    this.timer = setTimeout(() => void this.run('sync'), ms);
    this.timer.unref?.();
  }

  private emit(patch: Partial<FleetWorkerStatus>): void {
    this.status = { ...this.status, ...patch };
    this.o.onStatus?.(this.status);
  }

  private run(kind: 'sync' | 'refill'): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      await null;
      let wait = this.o.intervalMs;
      let failure: ErrorPayload | undefined;
      try {
        if (kind === 'sync') {
          this.emit({ phase: 'syncing', next_attempt_at: undefined });
          const r = await fleetSync(this.ctx, this.session, { signal: this.abort.signal });
          this.failures = 0;
          this.emit({ phase: 'idle', last_result: r, last_error: undefined });
        } else {
          failure = Object.values((await refill(this.ctx, this.session, { signal: this.abort.signal })).errors)[0];
        }
      } catch (e) {
        // A defect, not the server's answer: the loop goes on and says so.
        if (!isWxError(e)) this.ctx.log.error('fleet.worker.crash', { error: e instanceof Error ? e.message : String(e) });
        failure = toPayload(e);
      }
      if (this.abort.signal.aborted) this.emit({ phase: 'stopped' });
      else if (failure?.code === 'FLEET_STATION_REVOKED') {
        this.looping = false;
        this.emit({ phase: 'revoked', last_error: failure });
      } else if (failure && TRANSIENT.has(failure.code)) {
        this.failures++;
        wait = backoffDelay(this.failures, { ...this.o.backoff, floor: 0.5 }, this.o.random);
        this.emit({ phase: 'offline', last_error: failure });
      } else if (failure) {
        wait = this.o.stoppedMs;
        this.emit({ phase: LOCKED.has(failure.code) ? 'locked' : 'stopped', last_error: failure });
      }
      this.running = undefined;
      const again = this.again;
      this.again = undefined;
      if (again && !this.abort.signal.aborted) {
        void this.run(again);
        return;
      }
      if (this.looping) {
        this.emit({ next_attempt_at: new Date(this.ctx.now().getTime() + wait).toISOString() });
        this.schedule(wait);
      }
    })();
    return this.running;
  }
}
