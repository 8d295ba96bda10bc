import { describe, expect, it } from 'vitest';
import type { SlotView, UnitResult } from '../../preload/contract.js';
import { tileFace } from '../../renderer/src/screens/line/tile-face.js';

// What a tile shows for each state of its slot (the line screen's logic, without a DOM).

const pass: UnitResult = {
  result: 'PASS', device_id: 'A1000001', hwid: 'HW1', port: '/dev/ttyUSB0', step: 'record', reason: null, reason_zh: null,
  code: null, error: null, product_id: 1, key_version: 1, push_test: null, ms: 180,
};
const view = (v: Partial<SlotView>): SlotView => ({
  slot: { name: '1', spec: '/dev/ttyUSB0', baud: 115200 }, state: 'waiting', step: null, progress: 0, hwid: null, device_id: null,
  last: null, present: false, counters: { port: '/dev/ttyUSB0', pass: 0, fail: 0, existing: 0, pass_rate: null }, port_error: null, ...v,
});

describe('tileFace', () => {
  it('shows the big result only while its unit is on the fixture', () => {
    expect(tileFace(view({ last: pass, present: true, hwid: 'HW1', device_id: 'A1000001' }))).toMatchObject({ result: pass, deviceId: 'A1000001', hwid: 'HW1' });
    // Taken off: no big result, no ids of a unit that is gone.
    expect(tileFace(view({ last: pass, present: false }))).toMatchObject({ result: null, deviceId: null, hwid: null });
  });

  it('a new unit at work hides the previous result and shows its own ids', () => {
    const f = tileFace(view({ state: 'busy', present: true, last: pass, hwid: 'HW2', device_id: null, step: 'write' }));
    expect(f).toMatchObject({ busy: true, result: null, hwid: 'HW2', deviceId: null });
  });

  it('a lost port is lost, whatever the last result', () => {
    expect(tileFace(view({ state: 'lost', last: pass, present: true }))).toMatchObject({ lost: true, result: null });
  });

  it('a FAIL or EXISTING result fills the tile the same way as a PASS', () => {
    for (const result of ['FAIL', 'EXISTING'] as const) {
      const last = { ...pass, result, device_id: result === 'FAIL' ? null : 'X1' };
      expect(tileFace(view({ last, present: true, device_id: 'LIVE', hwid: 'HW9' }))).toMatchObject({ result: last, deviceId: result === 'FAIL' ? 'LIVE' : 'X1', hwid: 'HW1' });
    }
  });
});
