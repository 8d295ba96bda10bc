import fs from 'node:fs';
import path from 'node:path';
import { createContext, type CoreContext } from '../main/core/context.js';
import { FleetWorker } from '../main/core/fleet/worker.js';
import { preflight } from '../main/core/serial/preflight.js';
import type { UnitResult } from '../main/core/serial/provision.js';
import { runStation } from '../main/core/serial/station.js';
import { adminCall } from '../main/core/server/admin/admin-client.js';
import { startWxprov, type Proc, type ServerProc } from './fleet-server.js';
import { cli } from './serial.js';

/**
 * (c) The uplink stays off the unit's path: a station joined to the real server flashes units
 * from its block over a pseudo-terminal (`wxprov sim device --units`, a process of its own, at
 * the serial bench's 115,200 baud and 100 ms COMMIT), in rounds that alternate the uplink off
 * (no FleetWorker: the rows only queue) and on (the FleetWorker running as `wxprov station`
 * runs it, every second and nudged after each PASS as the app nudges it, so it sends the
 * round's rows and the backlog the last round left while units pass). The unit time
 * (HELLO to recorded PASS) is compared, median against median.
 */

export interface LineOptions {
  /** Units per mode (at least this many; a multiple of the rounds). */
  units: number;
  rounds: number;
  baud: number;
  commitMs: number;
  /** The worker's pass interval when on. */
  intervalMs: number;
}

export interface LineRun {
  off: UnitResult[];
  on: UnitResult[];
  /** Uplink rows the worker sent during the on rounds, and what was still queued after the last. */
  sentDuringOn: number;
  pendingAfter: number;
  passesDuringOn: number;
  warm: number;
}


/** A product with a key and an id template on the server, and a station joined to it from a fresh data dir. */
export async function joinLineStation(server: ServerProc, home: string): Promise<{ env: NodeJS.ProcessEnv; productId: number }> {
  const p = await adminCall<{ product_id: number }>(server.home, 'POST', '/admin/products/create', { english_name: 'Line bench', chinese_name: '产线基准', default_name: 'Bench', model_name: 'BENCH-L' }, { actor: 'bench' });
  await adminCall(server.home, 'POST', '/admin/keys/create', { product_id: p.product_id }, { actor: 'bench' });
  await adminCall(server.home, 'POST', '/admin/products/set', { product_id: p.product_id, id_template: 'L{station}{seq:6}' }, { actor: 'bench' });
  const e = await adminCall<{ code: string }>(server.home, 'POST', '/admin/enroll', { station: 'L1' }, { actor: 'bench' });
  const env = { WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: 'bench-only station passphrase', WXPROV_OPERATOR: 'bench' };
  await cli(['fleet', 'join', '--server', server.url, '--fingerprint', server.fingerprint, '--code', e.code, '--json'], env);
  return { env, productId: p.product_id };
}

async function startUnits(dir: string, units: number, o: LineOptions): Promise<Proc & { link: string }> {
  const link = path.join(dir, 'ttyLINE');
  const argv = ['sim', 'device', '--link', link, '--units', String(units), '--state-dir', path.join(dir, 'units'), '--hwid', 'LN', '--baud', String(o.baud), '--commit-ms', String(o.commitMs), '--swap-after', 'confirm'];
  return { ...(await startWxprov(argv, {}, 'wxprov sim device', undefined, 'ignore')), link };
}

export async function runLine(dir: string, station: { env: NodeJS.ProcessEnv; productId: number }, o: LineOptions, log: (m: string) => void): Promise<LineRun> {
  const perRound = Math.ceil(o.units / o.rounds);
  const warm = 3;
  const fixture = await startUnits(dir, warm + 2 * o.rounds * perRound, o);
  let ctx: CoreContext | undefined;
  try {
    ctx = createContext({ env: station.env, actor: 'bench' });
    const unsent = ctx.db.prepare('SELECT COUNT(*) FROM fleet_uplink WHERE sent_at IS NULL').pluck();
    const sent = ctx.db.prepare('SELECT COUNT(*) FROM fleet_uplink WHERE sent_at IS NOT NULL').pluck();
    let worker: FleetWorker | undefined;
    let passes = 0;
    const phase = async (count: number, uplink: boolean): Promise<UnitResult[]> => {
      const units: UnitResult[] = [];
      if (uplink) worker = new FleetWorker(ctx!, { intervalMs: o.intervalMs, onStatus: (s) => void (s.phase === 'idle' && passes++) });
      try {
        const ready = await preflight(ctx!, station.productId, undefined, { fleet: { onLow: () => worker?.refillSoon() } });
        worker?.start();
        await runStation(ctx!, [{ spec: fixture.link, baud: o.baud }], {
          product_id: station.productId,
          count,
          ready,
          onEvent: (e) => {
            if (e.type !== 'unit') return;
            units.push(e.unit);
            if (e.unit.result === 'PASS') worker?.nudge();
          },
        });
      } finally {
        await worker?.stop();
        worker = undefined;
      }
      const bad = units.filter((u) => u.result !== 'PASS');
      if (bad.length) throw new Error(`${bad.length} units did not PASS: ${bad.map((u) => `${u.result} ${u.step} ${u.code}`).join(', ')}`);
      return units;
    };
    log(`(c) ${warm} units to warm up, then ${o.rounds} rounds of ${perRound} units with the uplink off and ${perRound} with it on`);
    await phase(warm, true);
    const run: LineRun = { off: [], on: [], sentDuringOn: 0, pendingAfter: 0, passesDuringOn: 0, warm };
    for (let r = 0; r < o.rounds; r++) {
      run.off.push(...(await phase(perRound, false)));
      const before = sent.get() as number;
      passes = 0;
      const on = await phase(perRound, true);
      run.on.push(...on);
      run.passesDuringOn += passes;
      run.sentDuringOn += (sent.get() as number) - before;
      log(`(c) round ${r + 1}: off median ${median(run.off.slice(-perRound).map((u) => u.ms))} ms, on median ${median(on.map((u) => u.ms))} ms`);
    }
    run.pendingAfter = unsent.get() as number;
    return run;
  } finally {
    ctx?.close();
    await fixture.stop();
    fs.rmSync(path.join(dir, 'units'), { recursive: true, force: true });
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
