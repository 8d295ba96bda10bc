import type { ServerMigration } from '../migration.js';

/**
 * A ledger row's version is stamped when it is void, and only then.
 *
 * Since 0004 the ledger's version is read for one thing: a downlink's `revoked`, the ids voided
 * since a station last asked (`status = 'void' AND version >= since`, its own partial index).
 * The trigger still ran its PL/pgSQL function on every insert and update of `devices`: every
 * block's ids, and every row the uplink fills in. Now it fires for void rows alone (a WHEN
 * condition, checked without calling the function); a row of any other state keeps whatever
 * version it had, which nothing reads. Voids are stamped as before: a row voided (or voided
 * again) after a station's last downlink is sent in its next one.
 */
export const s0011: ServerMigration = {
  version: 11,
  name: 'void-versions',
  up: `
    DROP TRIGGER devices_version ON devices;
    CREATE TRIGGER devices_version BEFORE INSERT OR UPDATE ON devices FOR EACH ROW WHEN (NEW.status = 'void') EXECUTE FUNCTION stamp_fleet_version();
  `,
};
