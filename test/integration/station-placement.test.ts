import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContext, type CoreContext } from '../../main/core/context.js';
import { openSerialLink } from '../../main/core/serial/serial-link.js';
import { preflight } from '../../main/core/serial/preflight.js';
import { runStation, type StationEvent, type StationOptions } from '../../main/core/serial/station.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from '../helpers/cli.js';
import { setupLine } from '../helpers/line.js';
import { fixtures, sleep, until } from '../helpers/station.js';
import { tmpDir } from '../helpers/tmp.js';

// One placement, one result; tiles follow the unit on the fixture; one stop for all ports;
// timeouts that follow the baud rate; rows a unit may hold queued at start-up. Real ptys,
// simulated units, the loopback WeChat simulator.

const ALLOWANCE_MS = 250;
const POLL_MS = 30;

let sim: WechatSim;
let env: NodeJS.ProcessEnv;
let pid: number;
let ctx: CoreContext;
let fx: ReturnType<typeof fixtures>;
const running: { abort: AbortController; done: Promise<unknown> }[] = [];

beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());
beforeEach(async () => {
  ({ env, pid } = await setupLine(sim));
  ctx = createContext({ env });
  fx = fixtures(tmpDir('wxprov-placement-'));
});
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.abort.abort();
    await r.done.catch(() => {});
  }
  await fx.closeAll();
  ctx.close();
});

function station(specs: string[], o: Partial<StationOptions> = {}) {
  const abort = new AbortController();
  const events: StationEvent[] = [];
  const done = runStation(
    ctx,
    specs.map((spec) => ({ spec })),
    { product_id: pid, pollMs: POLL_MS, reopenMs: 100, timing: { allowanceMs: ALLOWANCE_MS }, signal: abort.signal, ...o, onEvent: (e) => (events.push(e), o.onEvent?.(e)) },
  );
  running.push({ abort, done });
  const units = (port: string) => events.flatMap((e) => (e.type === 'unit' && e.unit.port === port ? [e.unit] : []));
  const placements = (port: string) => events.flatMap((e) => (e.type === 'placement' && e.port === port ? [e] : []));
  return { events, done, abort, units, placements };
}

describe('one placement, one result', () => {
  it('a unit that loses or garbles poll answers once locked is reported once, however long it stays', async () => {
    const a = await fx.make('ttyA');
    await a.insert({ hwid: 'HWLOSSY00001', fault: 'lossy' });
    const s = station([a.path]);
    await until(() => s.units(a.path)[0], 10_000, 'the first result');
    const after = a.hellos('HWLOSSY00001');
    await until(() => a.hellos('HWLOSSY00001') >= after + 15, 15_000, '15 more polls, a third of them lost and a third corrupt');
    expect(s.units(a.path).map((u) => [u.result, u.device_id])).toEqual([['PASS', 'LPL100001']]);
    expect(s.placements(a.path).map((p) => p.state)).toEqual(['present']);
    expect(a.log.filter((l) => l.line.includes('lossy: this HELLO answer is lost')).length).toBeGreaterThan(2);
  });

  it('a unit whose hwid changes at every answer is one FAIL UNIT_CHANGED, then nothing until it leaves', async () => {
    const a = await fx.make('ttyA');
    const dev = await a.insert({ hwid: 'HWFLICKER', fault: 'flicker' });
    const s = station([a.path]);
    const first = await until(() => s.units(a.path)[0], 10_000, 'the first result');
    expect(first).toMatchObject({ result: 'FAIL', step: 'hello', code: 'UNIT_CHANGED', device_id: null });
    const polls = a.hellos('HWFLICKER');
    await until(() => a.hellos('HWFLICKER') >= polls + 20, 15_000, '20 more polls');
    expect(s.units(a.path)).toHaveLength(1);
    expect(dev.state()).toBe('blank');
    expect(ctx.db.prepare('SELECT COUNT(*) AS n FROM devices').get()).toEqual({ n: 0 });

    // Taken off: silent polls end the placement; a good unit then gets its own result.
    a.remove();
    await until(() => s.placements(a.path).some((p) => p.state === 'empty'), 10_000, 'the placement to end');
    await a.insert({ hwid: 'HWGOOD000001' });
    expect(await until(() => s.units(a.path)[1], 10_000, 'the next unit')).toMatchObject({ result: 'PASS', hwid: 'HWGOOD000001' });
  });

  it('after a PASS, a unit taken off ends the placement; a new unit that never answers starts nothing', async () => {
    const a = await fx.make('ttyA');
    await a.insert({ hwid: 'HWFIRST00001' });
    const s = station([a.path]);
    await until(() => s.units(a.path)[0], 10_000, 'the first result');
    await a.insert({ hwid: 'HWSILENT0001', fault: 'silent' });
    await until(() => s.placements(a.path).some((p) => p.state === 'empty'), 10_000, 'the placement to end');
    await sleep(5 * (ALLOWANCE_MS + POLL_MS));
    expect(s.units(a.path)).toHaveLength(1);
    expect(s.placements(a.path).map((p) => p.state)).toEqual(['present', 'empty']);
  });
});

describe('one stop for all ports', () => {
  it("one port's loop failing stops the others: runStation rejects with its error once every loop has ended and let go of its port", async () => {
    const a = await fx.make('ttyA');
    const b = await fx.make('ttyB');
    await a.plug(); // an empty fixture: polls for ever
    await b.insert({ hwid: 'HWBOOM000001' });
    const boom = new Error('the screen went away');
    const s = station([a.path, b.path], {
      onEvent: (e) => {
        if (e.type === 'placement' && e.port === b.path) throw boom;
      },
    });
    await expect(s.done).rejects.toBe(boom);
    const count = s.events.length;
    await sleep(3 * (ALLOWANCE_MS + POLL_MS));
    expect(s.events.length).toBe(count); // nothing runs on after the call returned
    const link = await openSerialLink(a.path); // A's port was closed: it opens again
    await link.close();
  });
});

describe('timeouts follow the link', () => {
  it.each([1200, 9600, 115200])('flash passes with a unit answering at %i baud', { timeout: 60_000 }, async (baud) => {
    const a = await fx.make(`tty${baud}`);
    const dev = await a.insert({ hwid: `HWBAUD${baud}`, baud, commitMs: 100 });
    const r = await cli(['flash', '--port', a.path, '--product', String(pid), '--baud', String(baud), '--allowance-ms', '200', '--json'], env);
    expect(r.json).toMatchObject({ result: 'PASS', device_id: 'LPL100001' });
    expect(dev.identity()!.device_id).toBe('LPL100001');
  });

  it('a COMMIT slower than the commit allowance fails at commit; given the time, the same unit passes', async () => {
    const a = await fx.make('ttySLOW');
    await a.insert({ hwid: 'HWSLOWCOMMIT', commitMs: 1500 });
    const quick = await cli(['flash', '--port', a.path, '--product', String(pid), '--commit-ms', '300', '--json'], env);
    expect(quick.json).toMatchObject({ result: 'FAIL', step: 'commit', code: 'DEVICE_NO_ANSWER' });
    await sleep(1600); // the unit finishes its slow commit meanwhile: it is locked with the id
    const again = await cli(['flash', '--port', a.path, '--product', String(pid), '--commit-ms', '3000', '--json'], env);
    expect(again.json).toMatchObject({ result: 'PASS', device_id: quick.json.device_id });
  });
});

describe('registration is write-ahead', () => {
  it('rows a unit may hold that are not queued (a ledger from before) are queued at start-up', async () => {
    const at = new Date().toISOString();
    const ins = ctx.db.prepare(
      "INSERT INTO devices (product_id, device_id, status, station, operator, hwid, created_at, updated_at) VALUES (?, ?, ?, 'L1', 'old', ?, ?, ?)",
    );
    ins.run(pid, 'OLDWRITTEN1', 'written', 'HWOLD1', at, at);
    ins.run(pid, 'OLDALLOC01', 'allocated', 'HWOLD2', at, at);
    ins.run(pid, 'OLDVOID001', 'void', 'HWOLD3', at, at);
    expect((await preflight(ctx, pid)).requeued).toBe(2);
    const queued = ctx.db.prepare("SELECT device_id FROM outbox WHERE state = 'pending' ORDER BY device_id").pluck().all();
    expect(queued).toEqual(['OLDALLOC01', 'OLDWRITTEN1']);
    expect((await preflight(ctx, pid)).requeued).toBe(0);
  });
});
