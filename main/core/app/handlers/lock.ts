import type { Handlers } from '../../../../preload/contract.js';
import type { AppCore } from '../app-core.js';

type Names = 'lock.setPin' | 'lock.lock' | 'lock.unlock' | 'lock.touch';

/** The engineer's PIN over the setup screens. */
export function lockHandlers(core: AppCore): Pick<Handlers, Names> {
  return {
    'lock.setPin': ({ pin, current_pin }) => {
      core.lock.setPin(pin, current_pin);
      return core.state();
    },
    'lock.lock': () => {
      core.lock.lock();
      return core.state();
    },
    'lock.unlock': ({ pin }) => {
      core.lock.unlock(pin);
      return core.state();
    },
    'lock.touch': () => {
      core.lock.touch();
      return core.state();
    },
  };
}
