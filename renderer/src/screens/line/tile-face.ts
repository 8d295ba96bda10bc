/** What a tile shows, decided from its slot's view alone (pure: unit-tested without a DOM). */
import type { SlotView, UnitResult } from '../../../../preload/contract.js';

export interface TileFace {
  lost: boolean;
  busy: boolean;
  /** The big result: only while the unit it is about is on the fixture. */
  result: UnitResult | null;
  /** The ids shown under the tile: the unit at work, the result's unit, or the one on the fixture. */
  deviceId: string | null;
  hwid: string | null;
}

export function tileFace(view: SlotView): TileFace {
  const lost = view.state === 'lost';
  const busy = view.state === 'busy';
  const result = !busy && !lost && view.last !== null && view.present ? view.last : null;
  return {
    lost,
    busy,
    result,
    deviceId: result ? (result.device_id ?? view.device_id) : view.device_id,
    hwid: result ? (result.hwid ?? view.hwid) : view.hwid,
  };
}
