import type { LineStatus, Slot, SlotView, UnitResult as UnitAnswer } from '../../../preload/contract.js';
import type { CoreContext } from '../context.js';
import { WxError } from '../errors/wx-error.js';
import { Outbox, type QueueStats } from '../registry/outbox.js';
import { Settings } from '../registry/settings.js';
import { preflight } from '../serial/preflight.js';
import type { UnitResult } from '../serial/provision.js';
import { runStation, type StationEvent, type StationOptions } from '../serial/station.js';
import type { Runtime } from './runtime.js';
import { TodayCounter, type TodayTotals } from './today.js';

/** At most this many `line` events a second (10/s). */
export const LINE_EVENT_MS = 100;

export interface LineDeps {
  /** The current mode's runtime, or undefined before a mode is chosen. */
  runtime(): Runtime | undefined;
  slots(): Slot[];
  productId(): number | null;
  pushTest(): boolean;
  onLine(s: LineStatus): void;
  onUnit(u: UnitAnswer & { slot: string }): void;
  now: () => Date;
  /** The station's time zone, for "today" (default: the process's). */
  timeZone?: string;
  /** Station loop timing (tests make it quicker). */
  station?: Pick<StationOptions, 'pollMs' | 'reopenMs' | 'timing'>;
}

const zeroQueue = (): QueueStats => ({ pending: 0, failed: 0, synced: 0, oldest: null });
const zeroToday = (): TodayTotals => ({ total: 0, pass: 0, fail: 0, existing: 0 });

/**
 * A unit's result as it crosses to the UI: the push test's WxError goes as its payload (a class
 * instance survives neither IPC's structured clone nor JSON whole).
 */
function unitAnswer(u: UnitResult): UnitAnswer {
  const p = u.push_test;
  return {
    ...u,
    push_test: p && { result: p.result, nonce: p.nonce, reason: p.reason, reason_zh: p.reason_zh, ms: p.ms, ...(p.error ? { error: p.error.toPayload() } : {}) },
  };
}

function freshView(slot: Slot): SlotView {
  return {
    slot,
    state: 'idle',
    step: null,
    progress: 0,
    hwid: null,
    device_id: null,
    last: null,
    present: false,
    counters: { port: slot.spec, pass: 0, fail: 0, existing: 0, pass_rate: null },
    port_error: null,
  };
}

/**
 * The production line as the operator sees it: runStation on the configured slots for the
 * selected product, a view per slot (what it is doing, its last result, its counters), the
 * day's totals and the queue. Station events become `line` events (throttled to 10/s) and a
 * `unit` event per finished unit; a PASS nudges the background sync.
 */
export class Line {
  private views = new Map<string, SlotView>();
  private run?: { abort: AbortController; done: Promise<void>; ctx: CoreContext };
  private pendingSn: string | null = null;
  private today?: { ctx: CoreContext; counter: TodayCounter; totals: TodayTotals };
  private queue: QueueStats = zeroQueue();
  private timer?: NodeJS.Timeout;
  private lastEmit = 0;

  constructor(private readonly deps: LineDeps) {}

  get running(): boolean {
    return this.run !== undefined;
  }

  async start(): Promise<LineStatus> {
    if (this.run) return this.status();
    const rt = this.deps.runtime();
    if (!rt) throw new WxError('APP_NO_MODE');
    const { ctx } = rt;
    const slots = this.deps.slots();
    const productId = this.deps.productId();
    if (productId === null) throw new WxError('LINE_SETUP_MISSING', { what: { zh: '产品', en: 'the product' } });
    if (slots.length === 0) throw new WxError('LINE_SETUP_MISSING', { what: { zh: '夹具位', en: 'the slots' } });
    if (!ctx.env.appid) throw new WxError('LINE_SETUP_MISSING', { what: { zh: 'AppID', en: 'the AppID' } });
    // Everything a unit needs, checked now so the operator hears what is missing at Start.
    const ready = await preflight(ctx, productId, undefined, { fleet: { onLow: () => rt.fleet?.refillSoon() } });
    // A second Start while this one waited for the server (a fleet station taking its first block).
    if (this.run) return this.status();

    this.syncSlots(slots);
    for (const v of this.views.values()) Object.assign(v, { state: 'opening', step: null, progress: 0, port_error: null });
    const bySpec = new Map(slots.map((s) => [s.spec, s.name]));
    const abort = new AbortController();
    const run = { abort, ctx, done: Promise.resolve() };
    run.done = runStation(
      ctx,
      slots.map((s) => ({ spec: s.spec, baud: s.baud, allowanceMs: s.allowance_ms, commitMs: s.commit_ms, placementPolls: s.placement_polls })),
      {
        product_id: productId,
        ready,
        pushTest: () => this.deps.pushTest(),
        takeSn: () => this.takeSn(),
        signal: abort.signal,
        open: rt.openPort,
        ...this.deps.station,
        onEvent: (e) => this.onStation(rt, bySpec, e),
      },
    )
      .then(
        () => {},
        (e: unknown) => ctx.log.error('line.crashed', { error: e instanceof Error ? e.message : String(e) }),
      )
      .finally(() => {
        if (this.run !== run) return;
        this.run = undefined;
        // Nothing is known of the fixtures once the line is stopped.
        for (const v of this.views.values()) Object.assign(v, { state: 'idle', step: null, progress: 0, present: false });
        this.schedule();
      });
    this.run = run;
    ctx.log.info('line.start', { product_id: productId, slots: slots.map((s) => s.name) });
    this.schedule();
    return this.status();
  }

  /**
   * Aborts the station and waits for it: a unit in progress ends at its next step before COMMIT
   * (a FAIL with LINE_STOPPED; one past COMMIT finishes its record) before this answers.
   */
  async stop(): Promise<LineStatus> {
    const r = this.run;
    if (r) {
      r.abort.abort();
      await r.done;
      r.ctx.log.info('line.stop', {});
    }
    return this.status();
  }

  /** A scanned barcode for the next unit ({sn} in the template). */
  scan(sn: string): LineStatus {
    this.pendingSn = sn;
    this.schedule();
    return this.status(false);
  }

  /** Forget the slots' views and the scan (another mode, other slots). */
  reset(): void {
    this.views.clear();
    this.pendingSn = null;
    this.today = undefined;
    this.queue = zeroQueue();
    this.schedule();
  }

  /** The queue as the sync worker last counted it. */
  noteQueue(q: QueueStats): void {
    this.queue = q;
    this.schedule();
  }

  /** The status; `refresh` counts the day and the queue now (handlers), otherwise the last counts (events). */
  status(refresh = true): LineStatus {
    const rt = this.deps.runtime();
    if (refresh && rt) this.refreshCounts(rt.ctx);
    const slots = this.run ? [...this.views.values()].map((v) => v.slot) : this.deps.slots();
    if (!this.run) this.syncSlots(slots);
    return {
      running: this.running,
      slots: slots.map((s) => {
        const v = this.views.get(s.name)!;
        return { ...v, slot: { ...v.slot }, counters: { ...v.counters } };
      }),
      today: this.today && rt && this.today.ctx === rt.ctx ? { ...this.today.totals } : zeroToday(),
      queue: { ...this.queue },
      pending_sn: this.pendingSn,
    };
  }

  /** Something the status shows changed outside the station (setup, mode): a `line` event soon. */
  touch(): void {
    this.schedule();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private takeSn(): string | undefined {
    const sn = this.pendingSn;
    this.pendingSn = null;
    if (sn !== null) this.schedule();
    return sn ?? undefined;
  }

  /** Views for these slots: a slot with the same name and port keeps its counters. */
  private syncSlots(slots: Slot[]): void {
    const next = new Map<string, SlotView>();
    for (const s of slots) {
      const old = this.views.get(s.name);
      next.set(s.name, old && old.slot.spec === s.spec ? { ...old, slot: { ...s } } : freshView(s));
    }
    this.views = next;
  }

  private counter(ctx: CoreContext): TodayCounter {
    if (!this.today || this.today.ctx !== ctx) this.today = { ctx, counter: new TodayCounter(ctx.db, this.deps.now, this.deps.timeZone), totals: zeroToday() };
    return this.today.counter;
  }

  private refreshCounts(ctx: CoreContext): void {
    const totals = this.counter(ctx).totals(new Settings(ctx.db).get('station_code'));
    this.today!.totals = totals;
    this.queue = new Outbox(ctx.db).stats();
  }

  private onStation(rt: Runtime, bySpec: Map<string, string>, e: StationEvent): void {
    if (e.type === 'log') return;
    const port = e.type === 'unit' ? e.unit.port : e.port;
    const name = bySpec.get(port);
    const v = name === undefined ? undefined : this.views.get(name);
    if (!v || name === undefined) return;
    if (e.type === 'port') {
      // A lost port is retried every second: it stays lost, with its error, until it opens, so
      // the tile does not flicker and 详情 stays open while an engineer reads it.
      if (e.state === 'opening' && v.state === 'lost') return;
      // 'waiting' from the port says it is open; whether a unit is on it is the placement's to say.
      if (e.state !== 'waiting' || !v.present) v.state = e.state;
      v.port_error = e.error ?? null;
      if (e.state !== 'waiting') Object.assign(v, { step: null, progress: 0, hwid: null, device_id: null });
    } else if (e.type === 'placement') {
      // The tile follows the unit on the fixture now: a new unit shows from its first HELLO,
      // and a unit taken off takes its big result with it (it stays as the one-line last).
      if (e.state === 'present') Object.assign(v, { state: 'busy', present: true, step: 'hello', progress: 0, hwid: e.hwid ?? null, device_id: null, port_error: null });
      else Object.assign(v, { state: 'waiting', present: false, step: null, progress: 0, hwid: null, device_id: null });
    } else if (e.type === 'step') {
      v.state = 'busy';
      v.step = e.step;
      v.progress = e.progress;
      v.hwid = e.hwid ?? v.hwid;
      v.device_id = e.device_id ?? v.device_id;
      v.port_error = null;
    } else {
      const u = unitAnswer(e.unit);
      Object.assign(v, { state: 'waiting', present: true, step: u.step, progress: 1, hwid: u.hwid, device_id: u.device_id, last: u } satisfies Partial<SlotView>);
      const c = v.counters;
      if (u.result === 'PASS') c.pass++;
      else if (u.result === 'FAIL') c.fail++;
      else c.existing++;
      c.pass_rate = c.pass + c.fail > 0 ? c.pass / (c.pass + c.fail) : null;
      this.refreshCounts(rt.ctx);
      if (u.result === 'PASS') rt.worker.nudge();
      this.deps.onUnit({ ...u, slot: name });
    }
    this.schedule();
  }

  /** One `line` event per 100 ms at most, always carrying the latest state. */
  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastEmit + LINE_EVENT_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastEmit = Date.now();
      this.deps.onLine(this.status(false));
    }, wait);
    this.timer.unref?.();
  }
}
