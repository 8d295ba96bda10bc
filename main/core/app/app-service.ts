import type { EventName, Events, Handlers } from '../../../preload/contract.js';
import { AppCore, type AppServiceOptions } from './app-core.js';
import { guard } from './guard.js';
import { appHandlers } from './handlers/app.js';
import { fleetHandlers } from './handlers/fleet.js';
import { fleetOwned } from './handlers/fleet-owned.js';
import { keystoreHandlers } from './handlers/keystore.js';
import { lineHandlers } from './handlers/line.js';
import { lockHandlers } from './handlers/lock.js';
import { mesHandlers } from './handlers/mes.js';
import { recordsHandlers } from './handlers/records.js';
import { setupHandlers } from './handlers/setup.js';
import { statsHandlers } from './handlers/stats.js';
import { toolsHandlers } from './handlers/tools.js';

export type { AppServiceOptions } from './app-core.js';

export interface AppService {
  /** One function per contract message; run them through dispatch() (input validation, error payloads). */
  handlers: Handlers;
  /** Main → renderer pushes: app, line, unit, sync. Returns the unsubscribe. */
  onEvent(cb: <E extends EventName>(name: E, payload: Events[E]) => void): () => void;
  /** Stops the line and the sync, closes the database and the simulator. */
  close(): Promise<void>;
}

/**
 * The implementation of the IPC contract in plain Node: the Electron main and the `wxprov ui`
 * bridge both build one and route every message through dispatch(handlers, name, input).
 * Starts the mode stored from a previous run, if any; the first run waits for app.chooseMode.
 */
export async function createAppService(opts: AppServiceOptions): Promise<AppService> {
  const core = new AppCore(opts);
  await core.open();
  const handlers = guard(
    core,
    fleetOwned(core, {
      ...appHandlers(core),
      ...setupHandlers(core),
      ...fleetHandlers(core),
      ...keystoreHandlers(core),
      ...lineHandlers(core),
      ...recordsHandlers(core),
      ...statsHandlers(core),
      ...toolsHandlers(core),
      ...lockHandlers(core),
      ...mesHandlers(core),
    }),
  );
  return {
    handlers,
    onEvent: (cb) => core.onEvent(cb),
    close: () => core.close(),
  };
}
