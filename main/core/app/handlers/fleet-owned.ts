import type { Handlers, InvokeName } from '../../../../preload/contract.js';
import { refuseOnFleet, type ServerOwned } from '../../fleet/guard.js';
import type { AppCore } from '../app-core.js';

/**
 * Messages whose work belongs to the factory server once this station joined one, with the
 * code that refuses them: the app's side of the CLI's table (cli/commands/index.ts), through
 * the same core guard (fleet/guard.ts). Choosing which product the line runs stays here; the
 * station code is refused by the settings themselves (FLEET_STATION_CODE_ON_SERVER).
 */
export const SERVER_OWNED: Partial<Record<InvokeName, ServerOwned>> = {
  'products.create': 'FLEET_PRODUCTS_ON_SERVER',
  'products.record': 'FLEET_PRODUCTS_ON_SERVER',
  'products.setTemplate': 'FLEET_PRODUCTS_ON_SERVER',
  'apps.bind': 'FLEET_PRODUCTS_ON_SERVER',
  'keys.create': 'FLEET_KEYS_ON_SERVER',
  'keys.import': 'FLEET_KEYS_ON_SERVER',
  'tools.sign': 'FLEET_KEYS_ON_SERVER',
};

/** The table with each server-owned message refused first on a joined station. */
export function fleetOwned(core: AppCore, table: Handlers): Handlers {
  const out: Record<string, unknown> = { ...table };
  for (const [name, code] of Object.entries(SERVER_OWNED) as [InvokeName, ServerOwned][]) {
    const h = table[name] as (input: unknown) => unknown;
    out[name] = (input: unknown) => {
      refuseOnFleet(core.runtime().ctx.db, code);
      return h(input);
    };
  }
  return out as Handlers;
}
