import type { Db } from '../db/open.js';
import { WxError } from '../errors/wx-error.js';
import { isJoined } from './membership.js';

/** The work a factory server owns once a station joined it, each named by the code that refuses it. */
export type ServerOwned = 'FLEET_PRODUCTS_ON_SERVER' | 'FLEET_KEYS_ON_SERVER' | 'FLEET_REGISTRATION_ON_SERVER';

/**
 * Refuses work the factory server owns once this station joined one, naming why: the one
 * guard of the CLI's commands (cli/server-owned.ts) and the app's messages (app/handlers/fleet-owned.ts).
 */
export function refuseOnFleet(db: Db, code: ServerOwned): void {
  if (isJoined(db)) throw new WxError(code);
}
