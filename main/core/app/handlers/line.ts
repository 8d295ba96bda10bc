import type { Handlers } from '../../../../preload/contract.js';
import type { AppCore } from '../app-core.js';

type Names = 'line.start' | 'line.stop' | 'line.status' | 'line.scan' | 'sim.placeUnit';

/** The production line. */
export function lineHandlers(core: AppCore): Pick<Handlers, Names> {
  return {
    'line.start': () => core.line.start(),
    'line.stop': () => core.line.stop(),
    'line.status': () => core.line.status(),
    'line.scan': ({ sn }) => core.line.scan(sn),
    'sim.placeUnit': ({ slot, fault }) =>
      core.runtimeFor('simulation').world!.placeUnit(slot, fault, core.slots().find((s) => s.name === slot)?.spec),
  };
}
