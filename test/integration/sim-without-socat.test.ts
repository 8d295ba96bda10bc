import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Events } from '../../preload/contract.js';
import { createAppService, type AppService } from '../../main/core/app/app-service.js';
import { dispatch } from '../../main/core/app/dispatch.js';
import { memoryKv } from '../../main/core/app/kv.js';
import { pathWithoutSocat } from '../helpers/no-socat.js';
import { until } from '../helpers/station.js';
import { tmpDir } from '../helpers/tmp.js';

// Simulation mode on a station with nothing installed beyond npm install (Windows has no
// socat): the app service runs in this process with PATH holding only node, and the line
// still provisions its simulated units, takes a placed one, finds them again after a restart,
// and provisions the simulated Android unit through its in-process ADB server.

let noSocat: ReturnType<typeof pathWithoutSocat>;
let savedPath: string | undefined;
beforeAll(() => {
  noSocat = pathWithoutSocat();
  savedPath = process.env.PATH;
  process.env.PATH = noSocat.PATH;
});
afterAll(() => {
  process.env.PATH = savedPath;
  noSocat.remove();
});

describe('simulation without socat', () => {
  let app: AppService | undefined;
  afterAll(async () => app?.close());

  it('two units PASS, a placed unit PASS, and after a restart the same units are found again (EXISTING)', async () => {
    app = await createAppService({
      home: tmpDir('wxprov-nosocat-'),
      env: {},
      kv: memoryKv(),
      shell: 'browser',
      tuning: { station: { pollMs: 50, reopenMs: 100, timing: { allowanceMs: 300 } } },
    });
    const units: Events['unit'][] = [];
    app.onEvent((name, payload) => {
      if (name === 'unit') units.push(payload as Events['unit']);
    });
    const ok = async (name: string, input?: unknown): Promise<any> => {
      const r = await dispatch(app!.handlers, name, input);
      if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
      return r.value;
    };

    const state = await ok('app.chooseMode', { mode: 'simulation' });
    expect(state.slots.map((s: { spec: string }) => s.spec)).toEqual(['sim:1', 'sim:2']);
    const ports = (await ok('ports.list')).map((p: { path: string }) => p.path);
    expect(ports).toEqual(expect.arrayContaining(['sim:1', 'sim:2']));
    const p = await ok('products.create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-1' });
    await ok('keys.create', { product_id: p.product_id });
    await ok('products.select', { product_id: p.product_id });

    await ok('line.start');
    await until(() => units.length >= 2, 20_000, 'two units');
    expect(units.map((u) => u.result)).toEqual(['PASS', 'PASS']);
    expect(new Set(units.map((u) => u.slot))).toEqual(new Set(['1', '2']));

    const placed = await ok('sim.placeUnit', { slot: '1' });
    await until(() => units.length >= 3, 20_000, 'the placed unit');
    expect(units[2]).toMatchObject({ result: 'PASS', slot: '1', hwid: placed.hwid });

    // The line lets go of the ports and opens them again: the units are still on their fixtures.
    await ok('line.stop');
    await ok('line.start');
    await until(() => units.length >= 5, 20_000, 'both units again');
    const again = units.slice(3);
    expect(again.map((u) => u.result)).toEqual(['EXISTING', 'EXISTING']);
    const onNow = new Set([placed.hwid, units.find((u) => u.slot === '2')!.hwid]);
    expect(new Set(again.map((u) => u.hwid))).toEqual(onNow);
    await ok('line.stop');

    // The simulated Android unit: offered by the port picker as an ADB device (its own simulated
    // ADB server on loopback, no adb binary), made a slot by its USB port, provisioned over ADB.
    const android = (await ok('ports.list')).find((p: { source: string }) => p.source === 'adb');
    expect(android).toMatchObject({ path: 'adb:SIMWMPF0001', location: '1-1', adb: { serial: 'SIMWMPF0001', state: 'device', usb: '1-1' } });
    const slots = state.slots.map((x: { name: string; spec: string; baud: number }) => ({ name: x.name, spec: x.spec, baud: x.baud }));
    await ok('slots.set', { slots: [...slots, { name: 'A', spec: 'adbusb:1-1', baud: 115200 }] });
    await ok('line.start');
    await until(() => units.some((u) => u.slot === 'A'), 20_000, 'the Android unit');
    expect(units.find((u) => u.slot === 'A')).toMatchObject({ result: 'PASS', port: 'adbusb:1-1' });
    const next = await ok('sim.placeUnit', { slot: 'A' });
    await until(() => units.filter((u) => u.slot === 'A').length >= 2, 20_000, 'the next Android unit');
    expect(units.filter((u) => u.slot === 'A')[1]).toMatchObject({ result: 'PASS', hwid: next.hwid });
    await ok('line.stop');
  }, 60_000);
});
