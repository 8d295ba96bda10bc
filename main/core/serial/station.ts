import type { CoreContext } from '../context.js';
import { WxError, toPayload, type ErrorPayload } from '../errors/wx-error.js';
import type { Signer } from '../keys/key-service.js';
import { field } from './frame.js';
import { HostConn } from './host-conn.js';
import type { Link } from './link.js';
import { resolvePort } from './ports.js';
import { provisionUnit, type ProvisionEvent, type ProvisionRequest, type UnitResult } from './provision.js';
import { openSerialLink } from './serial-link.js';

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
  | ({ type: 'step' } & ProvisionEvent)
  | { type: 'unit'; unit: UnitResult; counters: SlotCounters }
  | { type: 'log'; port: string; text: string };

export interface StationPort {
  /** A path, or `sn:<serial>` / `loc:<location>` (see ports.ts). */
  spec: string;
  baud?: number;
}

export interface StationOptions extends Omit<ProvisionRequest, 'device_id'> {
  /** A scanned barcode for the next unit (`{sn}`), taken once: the operator scans, then plugs. */
  takeSn?: () => string | undefined;
  /** Stop starting new units after this many (in-flight ones finish); run until stopped without it. */
  count?: number;
  /** How often an empty fixture is asked HELLO. */
  pollMs?: number;
  /** Wait before reopening a port that is missing or went away. */
  reopenMs?: number;
  signal?: AbortSignal;
  open?: (path: string, baud: number) => Promise<Link>;
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

/**
 * Many ports at once, each its own loop: wait for a unit (a new hwid answering HELLO) →
 * provision it → wait for the next. A unit left on the fixture after its result is not
 * provisioned again; a unit taken off and put back is (and resumes with its id). Ports that
 * are missing or vanish are reopened until they come back.
 */
export async function runStation(ctx: CoreContext, ports: StationPort[], o: StationOptions): Promise<{ units: UnitResult[]; counters: SlotCounters[] }> {
  const emit = o.onEvent ?? (() => {});
  const units: UnitResult[] = [];
  const signers = new Map<string, Signer>();
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (o.signal?.aborted) stop.abort(); // 'abort' never fires again for a signal already aborted
  else o.signal?.addEventListener('abort', onAbort, { once: true });
  let started = 0;
  const claim = () => (o.count === undefined || started < o.count ? (started++, true) : false);

  const counters = ports.map((p): SlotCounters => ({ port: p.spec, pass: 0, fail: 0, existing: 0, pass_rate: null }));

  const loop = async (p: StationPort, c: SlotCounters): Promise<void> => {
    while (!stop.signal.aborted) {
      emit({ type: 'port', port: p.spec, state: 'opening' });
      let conn: HostConn;
      try {
        const path = await resolvePort(p.spec);
        conn = new HostConn(await (o.open ?? openSerialLink)(path, p.baud ?? 115200));
      } catch (e) {
        emit({ type: 'port', port: p.spec, state: 'lost', error: toPayload(e) });
        await sleep(o.reopenMs ?? 1000, stop.signal);
        continue;
      }
      conn.onLog((text) => emit({ type: 'log', port: p.spec, text }));
      let lastHwid: string | undefined;
      let announcedWaiting = false;
      try {
        while (!stop.signal.aborted && !conn.closed) {
          let hwid: string | undefined;
          try {
            const a = await conn.request('HELLO', {}, { step: 'hello', timeoutMs: o.timing?.answerMs ?? 500, tries: 1 });
            hwid = a.ok ? field(a.frame, 'hwid') : undefined;
          } catch {
            hwid = undefined;
          }
          if (!hwid || hwid === lastHwid) {
            if (!hwid) lastHwid = undefined; // fixture empty: the same unit put back counts as new
            if (!announcedWaiting) emit({ type: 'port', port: p.spec, state: 'waiting' });
            announcedWaiting = true;
            await sleep(o.pollMs ?? 300, stop.signal);
            continue;
          }
          if (!claim()) return;
          announcedWaiting = false;
          const unit = await provisionUnit(ctx, conn, { ...o, sn: o.takeSn?.() ?? o.sn }, (e) => emit({ type: 'step', ...e, port: p.spec }), signers);
          units.push(unit);
          if (unit.result === 'PASS') c.pass++;
          else if (unit.result === 'FAIL') c.fail++;
          else c.existing++;
          c.pass_rate = c.pass + c.fail > 0 ? c.pass / (c.pass + c.fail) : null;
          emit({ type: 'unit', unit: { ...unit, port: p.spec }, counters: { ...c } });
          // The hwid the poll saw when the unit has none in its result (refused at HELLO, e.g. proto=2):
          // left on the fixture, it must not be provisioned again at every poll.
          lastHwid = unit.hwid ?? hwid;
          if (o.count !== undefined && started >= o.count && units.length >= o.count) stop.abort();
        }
      } finally {
        conn.dispose();
        await conn.link.close().catch(() => {});
      }
      if (!stop.signal.aborted) {
        emit({ type: 'port', port: p.spec, state: 'lost', error: new WxError('PORT_VANISHED', { port: p.spec }).toPayload() });
        await sleep(o.reopenMs ?? 1000, stop.signal);
      }
    }
  };

  try {
    await Promise.all(ports.map((p, i) => loop(p, counters[i])));
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  return { units, counters };
}
