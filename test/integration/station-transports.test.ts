import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext, type CoreContext } from '../../main/core/context.js';
import { isWxError } from '../../main/core/errors/wx-error.js';
import type { Link } from '../../main/core/serial/link.js';
import { openSerialLink } from '../../main/core/serial/serial-link.js';
import { DEFAULT_PLACEMENT_POLLS } from '../../main/core/serial/placement.js';
import { runStation, type SlotCounters, type StationEvent, type StationOptions } from '../../main/core/serial/station.js';
import type { UnitResult } from '../../main/core/serial/provision.js';
import { memoryStore, SimDevice } from '../../main/core/sim/device/index.js';
import { serveUnitOnTcp } from '../../main/core/sim/device/tcp-unit-port.js';
import { cli } from '../helpers/cli.js';
import { cliRun, fixtures, jsonLines, sleep, until, type Fixture } from '../helpers/station.js';
import { TRANSPORTS, transportWorld } from '../helpers/transports.js';
import { tmpDir } from '../helpers/tmp.js';

// The station loop (runStation, `wxprov station`) over real pseudo-terminals (socat), TCP jigs
// and Android units behind the simulated ADB server — the same stories over each transport —
// with simulated units put on and taken off the fixtures, and ports appearing and vanishing.

const ANSWER_MS = 250;
const POLL_MS = 30;
const REOPEN_MS = 100;
/** Longer than the silent polls that end a placement (each a HELLO timing out, then the poll wait), with margin. */
const SILENT_GAP_MS = (DEFAULT_PLACEMENT_POLLS + 1) * (ANSWER_MS + POLL_MS + 20);

const world = transportWorld();
let env: NodeJS.ProcessEnv;
let pid: number;
let ctx: CoreContext;
let fx: ReturnType<typeof fixtures>;
const running: { abort: AbortController; done: Promise<unknown> }[] = [];

beforeEach(async () => {
  ({ env, pid } = await world.line());
  ctx = createContext({ env });
  fx = fixtures(tmpDir('wxprov-station-'));
});
afterEach(async () => {
  // Stop every station first (they hold the ports), then the ports, then the ledger.
  for (const r of running.splice(0)) {
    r.abort.abort();
    await r.done.catch(() => {});
  }
  await fx.closeAll();
  ctx.close();
});

type UnitEvent = Extract<StationEvent, { type: 'unit' }>;
type PortEvent = Extract<StationEvent, { type: 'port' }>;

function station(specs: string[], o: Partial<StationOptions> = {}) {
  const abort = new AbortController();
  const events: StationEvent[] = [];
  const done = runStation(
    ctx,
    specs.map((spec) => ({ spec })),
    { product_id: pid, pollMs: POLL_MS, reopenMs: REOPEN_MS, timing: { allowanceMs: ANSWER_MS }, signal: abort.signal, ...o, onEvent: (e) => events.push(e) },
  );
  running.push({ abort, done });
  const units = (port?: string) => events.filter((e): e is UnitEvent => e.type === 'unit' && (port === undefined || e.unit.port === port));
  const ports = (port: string) => events.filter((e): e is PortEvent => e.type === 'port' && e.port === port);
  return {
    events,
    done,
    units,
    ports,
    /** Waits for the n-th unit result on `port` (1-based). */
    nthUnit: (port: string, n: number, ms = 10_000) => until(() => units(port)[n - 1], ms, `unit ${n} on ${port}`),
    stop: async () => {
      abort.abort();
      return done;
    },
  };
}

interface LedgerRow {
  id: number;
  device_id: string;
  hwid: string | null;
  status: string;
  last_error: string | null;
  port: string | null;
  signature: string | null;
}
const ledger = (): LedgerRow[] => ctx.db.prepare('SELECT id, device_id, hwid, status, last_error, port, signature FROM devices ORDER BY id').all() as LedgerRow[];
const queued = (deviceId: string) => ctx.db.prepare('SELECT state FROM outbox WHERE device_id = ?').get(deviceId) as { state: string } | undefined;

const counters = (port: string, pass: number, fail: number, existing: number): SlotCounters => ({
  port,
  pass,
  fail,
  existing,
  pass_rate: pass + fail > 0 ? pass / (pass + fail) : null,
});

/** Nothing (no station loop) still holds the port: a pty opens (its lock is free); a jig's or Android unit's connection is closed. */
async function portIsFree(f: Fixture): Promise<void> {
  const held = f.held();
  if (held === undefined) {
    const link: Link = await openSerialLink(f.path);
    await link.close();
  } else await until(() => !f.held(), 2000, `${f.path} let go`);
}

describe.each(TRANSPORTS)('over %s', (transport) => {
  beforeEach(() => {
    fx = fixtures(tmpDir('wxprov-station-'), transport, world.adb);
  });

  describe('runStation', () => {
    it('two ports at once, each with its unit: two PASS results with different ids, each slot counting its own', async () => {
      const a = await fx.make('ttyA');
      const b = await fx.make('ttyB');
      // A slow COMMIT on both, so both units are provably in flight at the same time.
      const devA = await a.insert({ hwid: 'HWA000000001', commitMs: 1000 });
      const devB = await b.insert({ hwid: 'HWB000000001', commitMs: 1000 });
      const s = station([a.path, b.path]);

      const ua = await s.nthUnit(a.path, 1);
      const ub = await s.nthUnit(b.path, 1);
      expect(ua.unit).toMatchObject({ result: 'PASS', hwid: 'HWA000000001', port: a.path, step: 'record', reason: null, code: null, product_id: pid });
      expect(ub.unit).toMatchObject({ result: 'PASS', hwid: 'HWB000000001', port: b.path, step: 'record', reason: null, code: null, product_id: pid });
      expect(ua.unit.device_id).toMatch(/^LPL1\d{5}$/);
      expect(ub.unit.device_id).toMatch(/^LPL1\d{5}$/);
      expect(ua.unit.device_id).not.toBe(ub.unit.device_id);
      expect(ua.counters).toEqual(counters(a.path, 1, 0, 0));
      expect(ub.counters).toEqual(counters(b.path, 1, 0, 0));

      // Concurrent: each port was committing before the other port's unit was done.
      const idx = (pred: (e: StationEvent) => boolean) => s.events.findIndex(pred);
      const commitA = idx((e) => e.type === 'step' && e.port === a.path && e.step === 'commit');
      const commitB = idx((e) => e.type === 'step' && e.port === b.path && e.step === 'commit');
      expect(commitA).toBeGreaterThanOrEqual(0);
      expect(commitB).toBeGreaterThanOrEqual(0);
      expect(commitA).toBeLessThan(s.events.indexOf(ub));
      expect(commitB).toBeLessThan(s.events.indexOf(ua));

      // Each unit holds what the ledger says it holds, and both are queued for adddevice.
      expect(devA.identity()!.device_id).toBe(ua.unit.device_id);
      expect(devB.identity()!.device_id).toBe(ub.unit.device_id);
      const rows = ledger();
      expect(rows).toHaveLength(2);
      for (const [u, dev] of [
        [ua.unit, devA],
        [ub.unit, devB],
      ] as const) {
        expect(rows.find((r) => r.device_id === u.device_id)).toMatchObject({ status: 'verified', hwid: u.hwid, port: u.port, last_error: null, signature: dev.identity()!.signature });
        expect(queued(u.device_id!)).toEqual({ state: 'pending' });
      }

      const r = await s.stop();
      expect(r.counters).toEqual([counters(a.path, 1, 0, 0), counters(b.path, 1, 0, 0)]);
      expect(r.units.map((u) => u.device_id).sort()).toEqual([ua.unit.device_id, ub.unit.device_id].sort());
    });

    it('swapping the unit gives a new unit; PASS and FAIL each count on their own slot only', async () => {
      const a = await fx.make('ttyA');
      const b = await fx.make('ttyB');
      await a.insert({ hwid: 'HWA000000001' });
      await b.insert({ hwid: 'HWB000000001' });
      const s = station([a.path, b.path]);

      const first = await s.nthUnit(a.path, 1);
      expect(first.unit).toMatchObject({ result: 'PASS', hwid: 'HWA000000001' });
      expect(first.counters).toEqual(counters(a.path, 1, 0, 0));

      // Swap: the first unit off, a unit locked with another product's identity on (no gap):
      // it is set aside (FAIL), never waved through.
      const locked = await a.insert({ hwid: 'HWA000000002', fault: 'locked' });
      const second = await s.nthUnit(a.path, 2);
      expect(second.unit).toMatchObject({ result: 'FAIL', hwid: 'HWA000000002', device_id: 'PRELOCKED001', step: 'read', code: 'UNIT_FOREIGN_IDENTITY' });
      expect(second.counters).toEqual(counters(a.path, 1, 1, 0));
      expect(locked.identity()!.device_id).toBe('PRELOCKED001');

      // Swap again: a unit whose flash fails at COMMIT.
      await a.insert({ hwid: 'HWA000000003', fault: 'flash' });
      const third = await s.nthUnit(a.path, 3);
      expect(third.unit).toMatchObject({ result: 'FAIL', hwid: 'HWA000000003', step: 'commit', code: 'DEVICE_ERROR' });
      expect(third.unit.reason).toMatch(/FLASH/);
      expect(third.counters).toEqual({ port: a.path, pass: 1, fail: 2, existing: 0, pass_rate: 1 / 3 });

      // The other slot saw none of it.
      await sleep(SILENT_GAP_MS);
      expect(s.units(b.path).map((e) => e.counters)).toEqual([counters(b.path, 1, 0, 0)]);
      expect(s.units(a.path)).toHaveLength(3);

      const r = await s.stop();
      expect(r.counters).toEqual([{ port: a.path, pass: 1, fail: 2, existing: 0, pass_rate: 1 / 3 }, counters(b.path, 1, 0, 0)]);
      // The two first units ran at once (either may have allocated first); the failed one came last.
      const rows = ledger();
      expect(rows.map((x) => [x.hwid, x.status]).sort()).toEqual([
        ['HWA000000001', 'verified'],
        ['HWA000000003', 'failed'],
        ['HWB000000001', 'verified'],
      ]);
      expect(rows[2]).toMatchObject({ hwid: 'HWA000000003', device_id: third.unit.device_id, last_error: 'commit: DEVICE_ERROR' });
    });

    it('a unit left on the fixture is not provisioned twice: the HELLO polls keep seeing the same hwid', async () => {
      const a = await fx.make('ttyA');
      const dev = await a.insert({ hwid: 'HWSTAY000001' });
      const s = station([a.path]);
      expect((await s.nthUnit(a.path, 1)).unit).toMatchObject({ result: 'PASS', hwid: 'HWSTAY000001' });
      const after = a.hellos('HWSTAY000001');
      await until(() => a.hellos('HWSTAY000001') >= after + 5, 10_000, 'five more HELLO polls');
      expect(s.units()).toHaveLength(1);
      expect(ledger()).toHaveLength(1);
      expect(dev.state()).toBe('locked');
      // The unit is still on the fixture: its placement has not ended, so nothing says the slot is empty.
      const since = s.events.indexOf(s.units()[0]);
      expect(s.events.slice(since).filter((e) => e.type === 'placement' && e.state === 'empty')).toHaveLength(0);
    });

    it('a unit refused at HELLO (proto=2) and left on the fixture fails once, not at every poll', async () => {
      const a = await fx.make('ttyA');
      await a.insert({ hwid: 'HWPROTO00002', fault: 'proto2' });
      const s = station([a.path]);
      const u = await s.nthUnit(a.path, 1);
      expect(u.unit).toMatchObject({ result: 'FAIL', step: 'hello', code: 'DEVICE_PROTOCOL', device_id: null });
      const after = a.hellos('HWPROTO00002');
      await until(() => a.hellos('HWPROTO00002') >= after + 5, 10_000, 'five more HELLO polls');
      expect(s.units().map((e) => e.counters)).toEqual([counters(a.path, 0, 1, 0)]);
      expect(ledger()).toHaveLength(0);
      // Swapped for a good unit: provisioned.
      await a.insert({ hwid: 'HWPROTO00001' });
      expect((await s.nthUnit(a.path, 2)).unit).toMatchObject({ result: 'PASS', hwid: 'HWPROTO00001' });
    });

    it('a failed unit taken off and put back healthy resumes with the same device id', async () => {
      const a = await fx.make('ttyA');
      const store = memoryStore();
      await a.insert({ hwid: 'HWPULL000001', fault: 'pull', store });
      const s = station([a.path]);
      const failed = await s.nthUnit(a.path, 1);
      expect(failed.unit).toMatchObject({ result: 'FAIL', hwid: 'HWPULL000001', device_id: 'LPL100001', code: 'DEVICE_NO_ANSWER' });
      expect(['write', 'readback']).toContain(failed.unit.step);
      expect(failed.counters).toEqual(counters(a.path, 0, 1, 0));
      expect(ledger()).toMatchObject([{ device_id: 'LPL100001', hwid: 'HWPULL000001', status: 'failed', last_error: `${failed.unit.step}: DEVICE_NO_ANSWER` }]);

      // Off the fixture, a silent gap longer than a poll, then the same unit (same hwid, same
      // storage) back on, healthy.
      a.remove();
      await sleep(SILENT_GAP_MS);
      expect(s.units()).toHaveLength(1);
      const dev = await a.insert({ hwid: 'HWPULL000001', store });
      const resumed = await s.nthUnit(a.path, 2);
      expect(resumed.unit).toMatchObject({ result: 'PASS', hwid: 'HWPULL000001', device_id: 'LPL100001' });
      expect(resumed.counters).toEqual({ port: a.path, pass: 1, fail: 1, existing: 0, pass_rate: 0.5 });
      expect(dev.identity()!.device_id).toBe('LPL100001');
      expect(ledger()).toMatchObject([{ device_id: 'LPL100001', status: 'verified', last_error: null }]);
      expect(queued('LPL100001')).toEqual({ state: 'pending' });
    });

    it('a port missing at start is reported lost (PORT_NOT_FOUND) and picked up once it appears; the other slots carry on', async () => {
      const late = await fx.make('ttyLATE');
      const b = await fx.make('ttyB');
      await b.insert({ hwid: 'HWB000000001' });
      const s = station([late.path, 'sn:NO-SUCH-ADAPTER', b.path]);

      const lost = () => s.ports(late.path).filter((e) => e.state === 'lost');
      await until(() => lost().length >= 2, 10_000, 'two lost reports'); // reported, and retried
      expect(lost()[0].error).toMatchObject({ code: 'PORT_NOT_FOUND' });
      expect(lost()[0].error!.message_en).toContain(late.path);
      expect((await s.nthUnit(b.path, 1)).unit).toMatchObject({ result: 'PASS', hwid: 'HWB000000001' });

      await late.insert({ hwid: 'HWLATE000001' });
      const u = await s.nthUnit(late.path, 1);
      expect(u.unit).toMatchObject({ result: 'PASS', hwid: 'HWLATE000001', port: late.path });
      expect(u.counters).toEqual(counters(late.path, 1, 0, 0));

      // A slot pinned by USB serial number that never shows up keeps being reported.
      const snLost = () => s.ports('sn:NO-SUCH-ADAPTER').filter((e) => e.state === 'lost');
      const sn = await until(() => snLost().length >= 2 && snLost(), 10_000, 'the sn: slot reported twice');
      expect(sn.every((e) => e.error?.code === 'PORT_NOT_FOUND')).toBe(true);
      expect(s.units('sn:NO-SUCH-ADAPTER')).toHaveLength(0);
    });

    it('a port that vanishes mid-run is reported lost and reopened when it comes back', async () => {
      const a = await fx.make('ttyA');
      const b = await fx.make('ttyB');
      await a.insert({ hwid: 'HWA000000001' });
      await b.insert({ hwid: 'HWB000000001' });
      const s = station([a.path, b.path]);
      await s.nthUnit(a.path, 1);
      await s.nthUnit(b.path, 1);

      const before = s.ports(a.path).length;
      await a.unplug();
      const gone = () => s.ports(a.path).slice(before).filter((e) => e.state === 'lost');
      // First the loss itself, then the reopen attempts that find nothing.
      await until(() => gone().some((e) => e.error?.code === 'PORT_NOT_FOUND'), 10_000, 'lost with PORT_NOT_FOUND');
      expect(gone().length).toBeGreaterThanOrEqual(2);

      // Meanwhile the other slot keeps working.
      await b.insert({ hwid: 'HWB000000002' });
      expect((await s.nthUnit(b.path, 2)).unit).toMatchObject({ result: 'PASS', hwid: 'HWB000000002' });

      // The port comes back with a new unit on it.
      await a.insert({ hwid: 'HWA000000002' });
      const u = await s.nthUnit(a.path, 2);
      expect(u.unit).toMatchObject({ result: 'PASS', hwid: 'HWA000000002', port: a.path });
      expect(u.counters).toEqual(counters(a.path, 2, 0, 0));
      expect(ledger().every((r) => r.status === 'verified')).toBe(true);
    });

    it('a port that vanishes mid-unit fails it at that step; back on the returned port the unit resumes with its id', async () => {
      const a = await fx.make('ttyA');
      const store = memoryStore();
      await a.insert({ hwid: 'HWVANISH0001', store, commitMs: 2000 });
      const s = station([a.path]);
      await until(() => s.events.some((e) => e.type === 'step' && e.step === 'commit'), 10_000, 'commit under way');
      await a.unplug(); // the adapter pulled while the unit writes its flash: it keeps nothing
      const failed = await s.nthUnit(a.path, 1);
      expect(failed.unit).toMatchObject({ result: 'FAIL', step: 'commit', code: 'PORT_VANISHED', hwid: 'HWVANISH0001', device_id: 'LPL100001' });
      expect(ledger()).toMatchObject([{ status: 'failed', last_error: 'commit: PORT_VANISHED' }]);
      expect((await store.load())!.identity).toBeUndefined();

      const dev = await a.insert({ hwid: 'HWVANISH0001', store });
      const resumed = await s.nthUnit(a.path, 2);
      expect(resumed.unit).toMatchObject({ result: 'PASS', device_id: 'LPL100001' });
      expect(dev.identity()!.device_id).toBe('LPL100001');
      expect(ledger()).toMatchObject([{ device_id: 'LPL100001', status: 'verified', last_error: null }]);
    });

    it.runIf(transport === 'pty')('a port held by another program is reported busy and taken once it is released', async () => {
      const a = await fx.make('ttyA');
      await a.insert({ hwid: 'HWBUSY000001' });
      const other = await openSerialLink(a.path);
      const s = station([a.path]);
      try {
        await until(() => s.ports(a.path).some((e) => e.state === 'lost' && e.error?.code === 'PORT_BUSY'), 10_000, 'PORT_BUSY');
        expect(s.units()).toHaveLength(0);
      } finally {
        await other.close();
      }
      expect((await s.nthUnit(a.path, 1)).unit).toMatchObject({ result: 'PASS', hwid: 'HWBUSY000001' });
    });
  });

  describe('stopping the station (AbortSignal)', () => {
    it('stops promptly whether a slot is waiting for a unit, has a unit done, or has no port; and lets go of the ports', async () => {
      const empty = await fx.make('ttyEMPTY');
      await empty.plug();
      const done = await fx.make('ttyDONE');
      await done.insert({ hwid: 'HWDONE000001' });
      const missing = await fx.make('ttyMISSING');
      const s = station([empty.path, done.path, missing.path], { reopenMs: 60_000 });
      await s.nthUnit(done.path, 1);
      await until(() => s.ports(empty.path).some((e) => e.state === 'waiting'), 10_000, 'empty slot waiting');
      await until(() => s.ports(missing.path).some((e) => e.state === 'lost'), 10_000, 'missing slot lost');

      const t0 = Date.now();
      const r = await s.stop();
      // Bounded by one HELLO poll in flight, not by the 60 s reopen wait of the missing port.
      expect(Date.now() - t0).toBeLessThan(ANSWER_MS + 2000);
      expect(r.units).toHaveLength(1);
      const n = s.events.length;
      await sleep(SILENT_GAP_MS);
      expect(s.events.length).toBe(n); // nothing after it returned
      await portIsFree(empty);
      await portIsFree(done);
    });

    it('a signal aborted before the start: returns at once without opening anything', async () => {
      const a = await fx.make('ttyA');
      await a.insert({ hwid: 'HWNEVER00001' });
      const abort = new AbortController();
      abort.abort();
      const events: StationEvent[] = [];
      const t0 = Date.now();
      const done = runStation(ctx, [{ spec: a.path }], { product_id: pid, pollMs: POLL_MS, timing: { allowanceMs: ANSWER_MS }, signal: abort.signal, onEvent: (e) => events.push(e) });
      running.push({ abort, done });
      const r = await Promise.race([done, sleep(3000).then(() => 'still running' as const)]);
      expect(r).not.toBe('still running');
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(r).toMatchObject({ units: [] });
      expect(events.filter((e) => e.type === 'unit')).toHaveLength(0);
      expect(ledger()).toHaveLength(0);
    });

    it('aborted with units in flight on two ports: past COMMIT finishes and is recorded, before COMMIT ends as LINE_STOPPED, nothing new starts, no ledger row is left half-way', async () => {
      const a = await fx.make('ttyA');
      const b = await fx.make('ttyB');
      const c = await fx.make('ttyC');
      const devA = await a.insert({ hwid: 'HWA000000001', commitMs: 600 }); // committing when stopped
      await b.insert({ hwid: 'HWB000000001', fault: 'pull' }); // gone silent mid-write when stopped
      const s = station([a.path, b.path, c.path]);
      await until(() => s.events.some((e) => e.type === 'step' && e.port === a.path && e.step === 'commit'), 10_000, 'A committing');
      await until(() => s.events.some((e) => e.type === 'step' && e.port === b.path && e.step === 'write'), 10_000, 'B writing');

      await c.insert({ hwid: 'HWC000000001' }); // arrives as the line stops: may or may not be started
      const t0 = Date.now();
      const r = await s.stop();
      // Within one exchange: A's COMMIT (600 ms) is finished, B's wait for an answer is cut short.
      expect(Date.now() - t0).toBeLessThan(ANSWER_MS + 3000);

      const byHwid = (h: string) => r.units.find((u) => u.hwid === h);
      expect(byHwid('HWA000000001')).toMatchObject({ result: 'PASS' });
      expect(byHwid('HWB000000001')).toMatchObject({ result: 'FAIL', code: 'LINE_STOPPED' });
      expect(devA.identity()!.device_id).toBe(byHwid('HWA000000001')!.device_id);

      const rows = ledger();
      const unitsById = new Map<string, UnitResult>(r.units.filter((u) => u.device_id).map((u) => [u.device_id!, u]));
      for (const row of rows) {
        expect(['verified', 'failed', 'allocated']).toContain(row.status);
        // Every row the station touched has its unit's result, and agrees with it.
        const u = unitsById.get(row.device_id);
        expect(u, `row ${row.device_id} without a unit result`).toBeDefined();
        if (row.status === 'verified') {
          expect(u!.result).toBe('PASS');
          expect(row.last_error).toBeNull();
          expect(queued(row.device_id)).toEqual({ state: 'pending' });
        } else if (row.status === 'failed') {
          expect(u!.result).toBe('FAIL');
          expect(row.last_error).toBe(`${u!.step}: ${u!.code}`);
          // Registration is write-ahead: queued before the WRITE, whatever came after.
          expect(queued(row.device_id)).toEqual({ state: 'pending' });
        } else {
          expect(row.last_error).toBeNull();
        }
      }
      expect(rows.find((x) => x.hwid === 'HWB000000001')).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/^(write|readback): LINE_STOPPED$/) });
      // Every unit result is on the ledger too.
      for (const u of r.units) if (u.device_id) expect(rows.some((x) => x.device_id === u.device_id)).toBe(true);
      // No unit started after the stop.
      const n = s.events.length;
      await sleep(SILENT_GAP_MS);
      expect(s.events.length).toBe(n);
      await portIsFree(a);
      await portIsFree(b);
    });

    it('a long wait on an empty fixture does not pile up abort listeners', async () => {
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        const a = await fx.make('ttyEMPTY');
        await a.plug();
        const s = station([a.path], { pollMs: 1, timing: { allowanceMs: 10 } });
        await until(() => s.ports(a.path).some((e) => e.state === 'waiting'), 10_000, 'waiting');
        await sleep(600); // a few hundred polls
        await s.stop();
        await sleep(50);
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
    });
  });
});

describe('adbusb: a slot pinned to a USB port', () => {
  it('whichever Android unit sits in that port is the slot\'s: one unit re-plugged away, another device in the same port PASSes on the same slot', async () => {
    const units: { stop(): void }[] = [];
    const ends: { close(): Promise<void> }[] = [];
    const androidOn = async (serial: string, usb: string, hwid: string) => {
      const end = await serveUnitOnTcp();
      ends.push(end);
      units.push(await SimDevice.boot(end.unit, { hwid, commitMs: 20 }));
      world.adb.addDevice({ serial, usb, model: 'Pad', unit: { host: end.host, port: end.port } });
    };
    try {
      await androidOn('PADONE001', '4-1.1', 'HWPADONE0001');
      const s = station(['adbusb:4-1.1']);
      expect((await s.nthUnit('adbusb:4-1.1', 1)).unit).toMatchObject({ result: 'PASS', hwid: 'HWPADONE0001', port: 'adbusb:4-1.1' });
      // Unplugged: the slot's port is gone (the device left the ADB server's list).
      const before = s.ports('adbusb:4-1.1').length;
      world.adb.removeDevice('PADONE001');
      await until(() => s.ports('adbusb:4-1.1').slice(before).some((e) => e.state === 'lost' && e.error?.code === 'PORT_NOT_FOUND'), 10_000, 'the slot lost');
      // Another device, another serial, in the same USB port: the same slot provisions it.
      await androidOn('PADTWO002', '4-1.1', 'HWPADTWO0002');
      const u = await s.nthUnit('adbusb:4-1.1', 2);
      expect(u.unit).toMatchObject({ result: 'PASS', hwid: 'HWPADTWO0002', port: 'adbusb:4-1.1' });
      expect(u.counters).toEqual(counters('adbusb:4-1.1', 2, 0, 0));
      // An unauthorized device in the port is reported as such, never provisioned.
      world.adb.setState('PADTWO002', 'unauthorized');
      await until(() => s.ports('adbusb:4-1.1').some((e) => e.state === 'lost' && e.error?.code === 'ADB_UNAUTHORIZED'), 10_000, 'ADB_UNAUTHORIZED');
      expect(s.units('adbusb:4-1.1')).toHaveLength(2);
    } finally {
      for (const serial of ['PADONE001', 'PADTWO002']) world.adb.removeDevice(serial);
      for (const u of units) u.stop();
      for (const e of ends) await e.close();
    }
  });
});

describe('wxprov station (the CLI contract)', () => {
  const KEYS = ['result', 'device_id', 'hwid', 'port', 'step', 'reason'];

  it('--count 2 --json over two ports: two JSON lines, one per unit, then exit 0', async () => {
    const a = await fx.make('ttyA');
    const b = await fx.make('ttyB');
    await a.insert({ hwid: 'HWA000000001' });
    await b.insert({ hwid: 'HWB000000001' });
    const run = cliRun(['station', '--port', a.path, '--port', b.path, '--product', String(pid), '--count', '2', '--json'], env);
    const r = await Promise.race([run.done, sleep(20_000).then(() => (run.interrupt(), run.done))]);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      for (const k of KEYS) expect(l).toHaveProperty(k);
      expect(l).toMatchObject({ result: 'PASS', step: 'record', reason: null });
      expect(l.device_id).toMatch(/^LPL1\d{5}$/);
    }
    expect(lines.map((l) => [l.port, l.hwid]).sort()).toEqual([
      [a.path, 'HWA000000001'],
      [b.path, 'HWB000000001'],
    ]);
    expect(new Set(lines.map((l) => l.device_id)).size).toBe(2);
    // Each line carries its own slot's counters.
    for (const l of lines) expect(l.counters).toEqual(counters(l.port, 1, 0, 0));
    expect(ledger().map((x) => x.status)).toEqual(['verified', 'verified']);
    await portIsFree(a);
    await portIsFree(b);
  });

  it('--count 1 with two units ready: exactly one is provisioned, the other left alone', async () => {
    const a = await fx.make('ttyA');
    const b = await fx.make('ttyB');
    const devA = await a.insert({ hwid: 'HWA000000001' });
    const devB = await b.insert({ hwid: 'HWB000000001' });
    const run = cliRun(['station', '--port', a.path, '--port', b.path, '--product', String(pid), '--count', '1', '--json'], env);
    const r = await Promise.race([run.done, sleep(20_000).then(() => (run.interrupt(), run.done))]);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ result: 'PASS' });
    expect([devA.state(), devB.state()].sort()).toEqual(['blank', 'locked']);
    expect(ledger()).toHaveLength(1);
  });

  it('--count 2 on one slot: a FAIL line, the unit swapped, a PASS line, exit 1 because one failed', async () => {
    const a = await fx.make('ttyA');
    await a.insert({ hwid: 'HWFLASH00001', fault: 'flash' });
    const run = cliRun(['station', '--port', a.path, '--product', String(pid), '--count', '2', '--json'], env);
    try {
      // The line is written as it happens, before the run ends.
      await until(() => jsonLines(run.stdout()).length === 1, 15_000, 'the first line');
      const [fail] = jsonLines(run.stdout());
      expect(fail).toMatchObject({ result: 'FAIL', hwid: 'HWFLASH00001', port: a.path, step: 'commit', device_id: 'LPL100001', code: 'DEVICE_ERROR' });
      expect(fail.reason).toMatch(/FLASH/);
      await a.insert({ hwid: 'HWGOOD000001' });
      const r = await Promise.race([run.done, sleep(20_000).then(() => (run.interrupt(), run.done))]);
      expect(r.code).toBe(1);
      const lines = jsonLines(r.stdout);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatchObject({ result: 'PASS', hwid: 'HWGOOD000001', device_id: 'LPL100002', port: a.path, step: 'record', reason: null });
      expect(lines[1].counters).toEqual({ port: a.path, pass: 1, fail: 1, existing: 0, pass_rate: 0.5 });
    } finally {
      run.interrupt();
      await run.done;
    }
  });

  it('interrupted (Ctrl-C): stops, prints each slot’s counters on stderr, exit 0 when nothing failed', async () => {
    const a = await fx.make('ttyA');
    await a.insert({ hwid: 'HWA000000001' });
    const missing = await fx.make('ttyMISSING');
    const run = cliRun(['station', '--port', a.path, '--port', missing.path, '--product', String(pid)], env);
    await until(() => /^PASS /m.test(run.stdout()), 15_000, 'a PASS line');
    await until(() => run.stderr().includes(`${a.path}: waiting`), 15_000, 'waiting');
    const t0 = Date.now();
    run.interrupt();
    const r = await run.done;
    expect(Date.now() - t0).toBeLessThan(ANSWER_MS + 2500);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^PASS +${a.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +device_id LPL100001 +hwid HWA000000001 +step record$`, 'm'));
    expect(r.stderr).toContain(`${missing.path}: lost (PORT_NOT_FOUND: Port ${missing.path} was not found)`);
    expect(r.stderr).toContain(`${a.path}: pass 1, fail 0, existing 0, pass rate 100.0%`);
    expect(r.stderr).toContain(`${missing.path}: pass 0, fail 0, existing 0, pass rate -`);
    await portIsFree(a);
  });
});

describe('openSerialLink on a pty', () => {
  it('a second open of a port already open is PORT_BUSY (serialport’s lock), and works once the first lets go', async () => {
    const a = await (await fx.make('ttyLOCK')).plug();
    const first = await openSerialLink(a.path);
    try {
      const e = await openSerialLink(a.path).then(
        async (l) => (await l.close(), undefined),
        (err: unknown) => err,
      );
      expect(isWxError(e)).toBe(true);
      expect(e).toMatchObject({ code: 'PORT_BUSY', params: { port: a.path } });
    } finally {
      await first.close();
    }
    await portIsFree(a);
  });
});
