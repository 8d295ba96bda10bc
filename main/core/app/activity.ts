import type { InvokeName } from '../../../preload/contract.js';

/**
 * Messages that are not engineer work, so they do not hold engineer mode open: what the UI
 * reads on its own (state, status, a polled log), the line's operator controls, the language,
 * and the lock's own messages (unlocking and touching restart the idle time themselves). An
 * operator running the line for hours beside an unlocked station must not keep setup open.
 */
const NOT_ENGINEER_WORK: ReadonlySet<InvokeName> = new Set<InvokeName>([
  'app.state',
  'app.setLocale',
  'keystore.status',
  'line.start',
  'line.stop',
  'line.status',
  'line.scan',
  'sim.placeUnit',
  'queue.status',
  'logs.tail',
  'lock.setPin',
  'lock.lock',
  'lock.unlock',
  'lock.touch',
]);

/** Whether a message is engineer work: it restarts the idle time of engineer mode. */
export const isEngineerWork = (name: InvokeName): boolean => !NOT_ENGINEER_WORK.has(name);
