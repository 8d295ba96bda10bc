import fs from 'node:fs';
import path from 'node:path';
import type { Link } from '../../serial/link.js';
import { randomHex } from './noise.js';
import { BITS_PER_BYTE } from './paced-link.js';
import { SimDevice, type SimDeviceOptions } from './sim-device.js';
import { jsonFileStore } from './store.js';

export interface SimFixtureOptions extends Omit<SimDeviceOptions, 'hwid' | 'store'> {
  /** How many units pass through the fixture; it stays on the last one. */
  units: number;
  /** Each unit's non-volatile storage is `<stateDir>/<hwid>.json`. */
  stateDir: string;
  /** hwids are `<prefix>01`, `<prefix>02`, …; 12 random hex digits without it. */
  hwidPrefix?: string;
  /**
   * When a finished unit is taken off: `idle` (default) once the station has gone back to
   * polling it for `swapMs`; `confirm` right after it answers the HELLO that confirms it
   * locked, as a fast operator does — before the station may have recorded it.
   */
  swapAfter?: SwapAfter;
  /** How long the station must have been idle-polling a finished unit before it is taken off; 200 ms. */
  swapMs?: number;
  /** How long the fixture is empty between two units; 700 ms (about two station polls). */
  gapMs?: number;
  /** Told when a unit is put on (`resumed`: put back from the state dir), before it says EVENT BOOT. */
  onUnit?: (u: { hwid: string; index: number; resumed: boolean }) => void;
}

export const DEFAULT_SWAP_MS = 200;
export const SWAP_AFTER = ['idle', 'confirm'] as const;
export type SwapAfter = (typeof SWAP_AFTER)[number];
/**
 * A station polls a unit it is done with every 300 ms (its pollMs, plus the HELLO exchange's
 * time on the wire); a HELLO it timed out on is asked again 500 ms later (its allowanceMs), and a
 * station stopped and restarted is silent for seconds. A pause longer than this between two
 * answers (plus half a HELLO exchange's wire time, with a baud rate) is not the station simply
 * polling: it may not have recorded the unit yet, so the count starts again.
 */
export const SESSION_GAP_MS = 400;
/** A HELLO and its answer, in bytes, about. */
const HELLO_EXCHANGE_BYTES = 80;
export const DEFAULT_GAP_MS = 700;
export const HWID_PREFIX_RE = /^[A-Za-z0-9_-]{1,48}$/;

/**
 * A fixture on a production line: one unit at a time on one link, each a blank unit with a
 * new hwid and its own state file (so identities outlive the simulator). A unit is taken off
 * when the station is done with it, as an operator takes it off once the station shows its
 * result: it is locked, the station confirmed it (a HELLO after COMMIT, or after READing the
 * locked unit), and then kept polling it — HELLO after HELLO, nothing else, no pause longer
 * than SESSION_GAP_MS — for at least `swapMs`. It leaves right after answering the HELLO that
 * completes that, so never while the station is away. Then the fixture is empty for `gapMs`
 * and a new blank unit is put on.
 *
 * The confirming HELLO alone is not enough: the station records the unit after it, and a
 * station stopped in between must, once restarted, still find the unit to complete the record
 * (a restarted station's own HELLO is followed by a READ at once, which starts the count again).
 * Restarted on a state dir that has units, the fixture puts the newest back and counts the rest.
 *
 * With `swapAfter: 'confirm'` the unit leaves right after answering the confirming HELLO,
 * which is what a fast line does and what a station killed before its record must survive:
 * the unit is gone, so only a registration queued before the WRITE gets it registered.
 */
export class SimFixture {
  private device?: SimDevice;
  private fedCount = 0;
  private readonly order: string[] = [];
  /** The last non-HELLO answer left the unit locked: the station has seen it locked. */
  private marked = false;
  /** HELLOs answered since, in one station session. */
  private hellos = 0;
  /** When the second of them came: the station back to idle polling. */
  private idleSince = 0;
  private lastAnswerAt = -Infinity;
  private leaving = false;
  private gap?: { timer: NodeJS.Timeout; resolve: () => void };
  private stopped = false;
  private finished = false;
  private unsubClose?: () => void;

  private readonly sessionGapMs: number;

  constructor(
    readonly link: Link,
    private readonly opts: SimFixtureOptions,
  ) {
    this.sessionGapMs = SESSION_GAP_MS + (opts.baud ? (HELLO_EXCHANGE_BYTES * BITS_PER_BYTE * 1000) / opts.baud / 2 : 0);
    if (!Number.isSafeInteger(opts.units) || opts.units < 1) throw new Error(`units ${opts.units} must be a whole number, at least 1`);
    if (opts.hwidPrefix !== undefined && !HWID_PREFIX_RE.test(opts.hwidPrefix)) throw new Error(`hwid prefix ${JSON.stringify(opts.hwidPrefix)} must be 1-48 letters, digits, _ or -`);
  }

  /** The unit on the fixture now (none during a gap). */
  get current(): SimDevice | undefined {
    return this.device;
  }

  /** Units put on so far, counting those found in the state dir. */
  get fed(): number {
    return this.fedCount;
  }

  /** True once the last unit is done (it stays on the fixture). */
  get done(): boolean {
    return this.finished;
  }

  /** The hwids of the units this fixture has put on, in order. */
  get hwids(): string[] {
    return [...this.order];
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.opts.stateDir, { recursive: true });
    this.unsubClose = this.link.onClose(() => this.stop());
    const existing = fs
      .readdirSync(this.opts.stateDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ hwid: f.slice(0, -'.json'.length), mtime: fs.statSync(path.join(this.opts.stateDir, f)).mtimeMs }))
      .sort((a, b) => a.mtime - b.mtime);
    this.fedCount = existing.length;
    // The newest file is the unit that was on the fixture when the simulator stopped.
    await this.put(existing.at(-1)?.hwid);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.gap) {
      clearTimeout(this.gap.timer);
      this.gap.resolve();
    }
    this.device?.stop();
    this.unsubClose?.();
  }

  private note(line: string): void {
    this.opts.log?.(line);
  }

  private newHwid(): string {
    const taken = (h: string) => fs.existsSync(path.join(this.opts.stateDir, `${h}.json`));
    if (this.opts.hwidPrefix !== undefined) {
      for (let i = this.fedCount; ; i++) {
        const h = `${this.opts.hwidPrefix}${String(i).padStart(2, '0')}`;
        if (!taken(h)) return h;
      }
    }
    for (;;) {
      const h = randomHex(this.opts.random ?? Math.random, 12);
      if (!taken(h)) return h;
    }
  }

  /** A unit on the fixture: the one with this hwid put back, or a new blank one. */
  private async put(hwid: string | undefined): Promise<void> {
    if (hwid === undefined) this.fedCount++;
    const h = hwid ?? this.newHwid();
    this.marked = false;
    this.hellos = 0;
    this.lastAnswerAt = -Infinity;
    const { units: _u, stateDir: _s, hwidPrefix: _p, swapAfter: _a, swapMs: _w, gapMs: _g, onUnit: _o, ...deviceOpts } = this.opts;
    const device: SimDevice = new SimDevice(this.link, {
      ...deviceOpts,
      hwid: h,
      store: jsonFileStore(path.join(this.opts.stateDir, `${h}.json`)),
      onAnswer: (subject, ok, state) => {
        this.opts.onAnswer?.(subject, ok, state);
        if (device === this.device) this.onAnswer(subject, ok, state);
      },
    });
    this.device = device;
    this.order.push(h);
    this.note(`. fixture: unit ${this.fedCount}/${this.opts.units} ${h} ${hwid === undefined ? 'put on' : 'put back'}`);
    this.opts.onUnit?.({ hwid: h, index: this.fedCount, resumed: hwid !== undefined });
    await device.start();
  }

  private onAnswer(subject: string, ok: boolean, state: string): void {
    if (this.stopped || this.finished || this.leaving) return;
    const now = performance.now();
    const quiet = now - this.lastAnswerAt;
    this.lastAnswerAt = now;
    const locked = state === 'locked';
    if (subject !== 'HELLO') {
      // The station is working on the unit: not done with it yet.
      this.marked = locked;
      this.hellos = 0;
      return;
    }
    if (!ok || !locked || !this.marked) return;
    if (this.opts.swapAfter === 'confirm') return this.startLeaving();
    // A station (re)started after a pause may not have recorded the unit: count afresh.
    if (quiet > this.sessionGapMs) this.hellos = 0;
    this.hellos++;
    if (this.hellos === 2) this.idleSince = now;
    else if (this.hellos > 2 && now - this.idleSince >= (this.opts.swapMs ?? DEFAULT_SWAP_MS)) this.startLeaving();
  }

  private startLeaving(): void {
    this.leaving = true;
    void this.leave().catch((e: unknown) => this.note(`! fixture: ${e instanceof Error ? e.message : String(e)}`));
  }

  private async leave(): Promise<void> {
    const old = this.device;
    if (this.stopped || !old) return;
    if (this.fedCount >= this.opts.units) {
      this.finished = true;
      this.note(`. fixture: all ${this.opts.units} units done; ${old.hwid} stays on`);
      return;
    }
    await old.flushed(); // the idle poll's answer goes out first
    old.stop();
    this.device = undefined;
    this.note(`. fixture: unit ${old.hwid} taken off`);
    await new Promise<void>((resolve) => (this.gap = { timer: setTimeout(resolve, this.opts.gapMs ?? DEFAULT_GAP_MS), resolve }));
    this.gap = undefined;
    this.leaving = false;
    if (!this.stopped) await this.put(undefined);
  }
}
