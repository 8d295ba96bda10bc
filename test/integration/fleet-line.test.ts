import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext, type CoreContext } from '../../main/core/context.js';
import { FleetWorker } from '../../main/core/fleet/worker.js';
import { HostConn } from '../../main/core/serial/host-conn.js';
import { preflight } from '../../main/core/serial/preflight.js';
import { provisionUnit } from '../../main/core/serial/provision.js';
import { openPtyPair, type PtyPair } from '../../main/core/serial/pty.js';
import { openSerialLink } from '../../main/core/serial/serial-link.js';
import { DEFAULT_LINK_TIMING } from '../../main/core/serial/timing.js';
import { SimDevice } from '../../main/core/sim/device/index.js';
import { cli } from '../helpers/cli.js';
import { FleetDouble } from '../helpers/fleet-double.js';
import { cliRun, fixtures, jsonLines, until } from '../helpers/station.js';
import { tmpDir } from '../helpers/tmp.js';

// The line on a fleet station, in process and through `wxprov station`: the server going away
// between the pre-flight and a unit, the background uplink and refill while units pass.

const PID = 701;
const SN_PID = 702;
let fleet: FleetDouble;
let env: NodeJS.ProcessEnv;
let ctx: CoreContext | undefined;
const ptys: PtyPair[] = [];
const devs: SimDevice[] = [];

beforeEach(async () => {
  fleet = await FleetDouble.start();
  fleet.blockSize = 4;
  fleet.addProduct({ product_id: PID, model_name: 'M', id_template: 'L{station}{seq:4}' });
  fleet.addProduct({ product_id: SN_PID, model_name: 'S', id_template: 'T{station}{sn}' });
  env = { WXPROV_HOME: tmpDir(), WXPROV_KEY_PASSPHRASE: 'line passphrase', WXPROV_OPERATOR: 'op3' };
  const j = await cli(['fleet', 'join', '--server', fleet.url, '--fingerprint', fleet.fingerprint, '--code', fleet.enroll('G1'), '--json'], env);
  expect([j.code, j.stderr]).toEqual([0, '']);
});
afterEach(async () => {
  for (const d of devs.splice(0)) d.stop();
  for (const p of ptys.splice(0)) await p.close();
  ctx?.close();
  ctx = undefined;
  await fleet.close().catch(() => {});
});

let n = 0;
async function unitOnPty(hwid: string) {
  const link = path.join(os.tmpdir(), `wxprov-fleet-line-${process.pid}-${n++}`);
  const pty = await openPtyPair(link);
  ptys.push(pty);
  const dev = await SimDevice.boot(pty.link, { commitMs: 20, hwid });
  devs.push(dev);
  return { link, dev };
}

describe('the line on a fleet station', () => {
  it('a server gone after the pre-flight: an id signed online fails the unit at allocate with FLEET_OFFLINE, nothing written anywhere', async () => {
    ctx = createContext({ env });
    const ready = await preflight(ctx, SN_PID);
    expect(ready.fleet?.blockable).toBe(false);
    await fleet.stop();
    const { link, dev } = await unitOnPty('HWO1');
    const conn = new HostConn(await openSerialLink(link, 115200), DEFAULT_LINK_TIMING);
    try {
      const u = await provisionUnit(ctx, conn, { product_id: SN_PID, sn: 'Q1' }, () => {}, ready);
      expect(u).toMatchObject({ result: 'FAIL', step: 'allocate', code: 'FLEET_OFFLINE', device_id: null });
    } finally {
      conn.dispose();
      await conn.link.close();
    }
    expect(dev.state()).toBe('blank');
    expect(ctx.db.prepare('SELECT COUNT(*) FROM devices').pluck().get()).toBe(0);
  });

  it('the background worker sends the uplink and refills while units pass; the unit never waits for it', async () => {
    ctx = createContext({ env });
    const worker = new FleetWorker(ctx, { intervalMs: 50 });
    const ready = await preflight(ctx, PID, undefined, { fleet: { onLow: () => worker.refillSoon() } });
    worker.start();
    try {
      for (const hw of ['HWW1', 'HWW2', 'HWW3']) {
        const { link } = await unitOnPty(hw);
        const conn = new HostConn(await openSerialLink(link, 115200), DEFAULT_LINK_TIMING);
        try {
          expect((await provisionUnit(ctx, conn, { product_id: PID }, () => {}, ready)).result).toBe('PASS');
        } finally {
          conn.dispose();
          await conn.link.close();
        }
      }
      // 3 units × (3 changes and a result) each reach the server without anyone asking; blocks are topped up.
      const unsent = () => ctx!.db.prepare('SELECT COUNT(*) FROM fleet_uplink WHERE sent_at IS NULL').pluck().get();
      const unused = () => ctx!.db.prepare("SELECT COUNT(*) FROM fleet_ids WHERE state = 'unused'").pluck().get();
      await until(() => unsent() === 0 && unused() === 5, 10_000, 'uplink and refill');
      expect(fleet.rowsOf('G1').size).toBe(12);
    } finally {
      await worker.stop();
    }
    expect(worker.current().phase).toBe('stopped');
  });

  it('`wxprov station` on a fleet station: units from blocks, results as before', async () => {
    const fx = fixtures(tmpDir('wxprov-fleet-station-'));
    try {
      const slot = await fx.make('ttyA');
      const a = await slot.insert({ hwid: 'HWST1' });
      const run = cliRun(['station', '--port', slot.path, '--product', String(PID), '--count', '1', '--json'], env);
      const r = await run.done;
      expect(r.code).toBe(0);
      expect(jsonLines(r.stdout)[0]).toMatchObject({ result: 'PASS', device_id: 'LG10001', hwid: 'HWST1' });
      expect(a.identity()?.device_id).toBe('LG10001');
    } finally {
      await fx.closeAll();
    }
  });
});
