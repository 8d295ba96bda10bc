import { setMaxListeners } from 'node:events';
import type { CoreContext } from '../context.js';
import { WxError, toPayload, type ErrorPayload } from '../errors/wx-error.js';
import { field } from './frame.js';
import { HostConn } from './host-conn.js';
import type { Link } from './link.js';
import { DEFAULT_PLACEMENT_POLLS, PlacementTracker } from './placement.js';
import { preflight, type LineReady } from './preflight.js';
import { provisionUnit, type ProvisionEvent, type ProvisionRequest, type UnitResult } from './provision.js';
import { checkPortSpec, isStreamSpec, openLink, type LinkOpener } from './open-link.js';
import { DEFAULT_LINK_TIMING, type LinkTiming } from './timing.js';

export interface SlotCounters {
  port: string;
  pass: number;
  fail: number;
  existing: number;
  /** PASS / (PASS + FAIL); null before the first unit. */
  pass_rate: number | null;
}

export type StationEvent =
  | { type: 'port'; port: string; state: 'opening' | 'waiting' | 'lost'; error?: ErrorPayload }
  /** A unit was put on the fixture (its first HELLO), or the fixture is empty again. */
  | { type: 'placement'; port: string; state: 'present' | 'empty'; hwid?: string }
  | ({ type: 'step' } & ProvisionEvent)
  | { type: 'unit'; unit: UnitResult; counters: SlotCounters }
  | { type: 'log'; port: string; text: string };

export interface StationPort {
  /** A path, `sn:<serial>` / `loc:<location>` (see ports.ts), `tcp:<host>:<port>`, `adb:<serial>` or `adbusb:<usb path>` (open-link.ts). */
  spec: string;
  baud?: number;
  /** The unit's processing allowance per answer, on top of the wire time (timing.ts). */
  allowanceMs?: number;
  /** What COMMIT may take, on top of the wire time. */
  commitMs?: number;
  /** Polls that end a placement: this many silent, or this many from another hwid (placement.ts). */
  placementPolls?: number;
}

export interface StationOptions extends Omit<ProvisionRequest, 'device_id' | 'hwid' | 'signal'> {
  /** A scanned barcode for the next unit (`{sn}`), taken once: the operator scans, then plugs. */
  takeSn?: () => string | undefined;
  /** Read at each new unit, so a switch flipped while the line runs applies to the next unit; `push_test` otherwise. */
  pushTest?: () => boolean;
  /** Stop starting new units after this many (in-flight ones finish); run until stopped without it. */
  count?: number;
  /** How often the fixture is asked HELLO. */
  pollMs?: number;
  /** Wait before reopening a port that is missing or went away. */
  reopenMs?: number;
  /** Every port's timing unless the port says otherwise. */
  timing?: Partial<LinkTiming>;
  placementPolls?: number;
  /** What preflight found, when the caller already ran it (the app, to answer Start with its error). */
  ready?: LineReady;
  signal?: AbortSignal;
  /** Opens a slot's port from its spec (open-link.ts by default; simulation's in-process fixtures). */
  open?: LinkOpener;
  onEvent?: (e: StationEvent) => void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => (clearTimeout(t), resolve());
    // The listener goes when the wait ends: a slot polls for hours, one wait at a time.
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** One port's timing: the port's own settings, else the station's, else the defaults. */
export function portTiming(p: StationPort, o: Pick<StationOptions, 'timing'>): LinkTiming {
  const t = { ...DEFAULT_LINK_TIMING, ...o.timing };
  // Over TCP and ADB there is no baud rate: an answer's timeout is the unit's allowance alone (PROTOCOL.md, "Transports").
  const baud = isStreamSpec(p.spec) ? Number.POSITIVE_INFINITY : (p.baud ?? t.baud);
  return { ...t, baud, allowanceMs: p.allowanceMs ?? t.allowanceMs, commitMs: p.commitMs ?? t.commitMs };
}

/**
 * Many ports at once, each its own loop: poll HELLO → a new placement (placement.ts) is
 * provisioned once → poll until it ends → the next. Ports that are missing or vanish are
 * reopened until they come back. Everything a unit needs is checked once before any port is
 * opened (preflight). One stop for all: the caller's signal, `count` reached, or any port's
 * loop failing stops every port at its next step before COMMIT, and this resolves only once
 * every loop has ended.
 */
export async function runStation(ctx: CoreContext, ports: StationPort[], o: StationOptions): Promise<{ units: UnitResult[]; counters: SlotCounters[] }> {
  for (const p of ports) checkPortSpec(p.spec);
  const counters = ports.map((p): SlotCounters => ({ port: p.spec, pass: 0, fail: 0, existing: 0, pass_rate: null }));
  if (o.signal?.aborted) return { units: [], counters };
  const ready = o.ready ?? (await preflight(ctx, o.product_id, o.key_version));
  const emit = o.onEvent ?? (() => {});
  const units: UnitResult[] = [];
  const stop = new AbortController();
  // Every slot's exchange in flight listens on this one signal: 32 slots are not a leak.
  setMaxListeners(Math.max(10, ports.length * 4), stop.signal);
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let started = 0;
  const claim = () => (o.count === undefined || started < o.count ? (started++, true) : false);

  const run = async (p: StationPort, c: SlotCounters): Promise<void> => {
    const timing = portTiming(p, o);
    const placement = new PlacementTracker(p.placementPolls ?? o.placementPolls ?? DEFAULT_PLACEMENT_POLLS);
    const seen = (hwid: string | undefined) => {
      const change = placement.poll(hwid);
      if (change.kind === 'left') emit({ type: 'placement', port: p.spec, state: 'empty' });
      return change;
    };
    // A port that went away ends its placement: whatever answers once it is back (the same
    // unit re-plugged to resume, or another) is a new unit.
    const portGone = () => {
      if (placement.hwid !== undefined) emit({ type: 'placement', port: p.spec, state: 'empty' });
      placement.reset();
    };
    while (!stop.signal.aborted) {
      emit({ type: 'port', port: p.spec, state: 'opening' });
      let conn: HostConn;
      try {
        conn = new HostConn(await (o.open ?? ((spec, baud) => openLink(spec, baud, ctx.env.adbServer)))(p.spec, timing.baud), timing);
      } catch (e) {
        emit({ type: 'port', port: p.spec, state: 'lost', error: toPayload(e) });
        portGone();
        await sleep(o.reopenMs ?? 1000, stop.signal);
        continue;
      }
      conn.onLog((text) => emit({ type: 'log', port: p.spec, text }));
      emit({ type: 'port', port: p.spec, state: 'waiting' });
      try {
        while (!stop.signal.aborted && !conn.closed) {
          const hwid = await pollHwid(conn, stop.signal);
          if (stop.signal.aborted) break;
          const change = seen(hwid);
          if (change.kind === 'start') {
            if (!claim()) return;
            emit({ type: 'placement', port: p.spec, state: 'present', hwid: change.hwid });
            const unit = await provisionUnit(
              ctx,
              conn,
              { ...o, hwid: change.hwid, sn: o.takeSn?.() ?? o.sn, push_test: o.pushTest?.() ?? o.push_test, signal: stop.signal },
              (e) => emit({ type: 'step', ...e, port: p.spec }),
              ready,
            );
            units.push(unit);
            if (unit.result === 'PASS') c.pass++;
            else if (unit.result === 'FAIL') c.fail++;
            else c.existing++;
            c.pass_rate = c.pass + c.fail > 0 ? c.pass / (c.pass + c.fail) : null;
            emit({ type: 'unit', unit: { ...unit, port: p.spec }, counters: { ...c } });
            if (o.count !== undefined && started >= o.count && units.length >= o.count) stop.abort();
          } else if (change.kind === 'left') {
            emit({ type: 'port', port: p.spec, state: 'waiting' });
          }
          await sleep(o.pollMs ?? 300, stop.signal);
        }
      } finally {
        conn.dispose();
        await conn.link.close().catch(() => {});
      }
      if (!stop.signal.aborted) {
        emit({ type: 'port', port: p.spec, state: 'lost', error: new WxError('PORT_VANISHED', { port: p.spec }).toPayload() });
        portGone();
        await sleep(o.reopenMs ?? 1000, stop.signal);
      }
    }
  };

  let failure: { error: unknown } | undefined;
  try {
    await Promise.all(
      ports.map((p, i) =>
        run(p, counters[i]).catch((error: unknown) => {
          // One port's loop failing stops the others too: no loop outlives this call.
          failure ??= { error };
          stop.abort();
        }),
      ),
    );
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure.error;
  return { units, counters };
}

/** One poll: the hwid that answered HELLO, or undefined for silence, a bad answer or a stop. */
async function pollHwid(conn: HostConn, signal: AbortSignal): Promise<string | undefined> {
  try {
    const a = await conn.request('HELLO', {}, { step: 'hello', tries: 1, signal });
    return a.ok ? field(a.frame, 'hwid') : undefined;
  } catch {
    return undefined;
  }
}
