import type { ServerMigration } from '../migration.js';

/**
 * What the fleet dashboard reads, each answer from an index however big the ledger grows.
 *
 * - `stations.uplink_pending` / `uplink_reported_at`: the uplink backlog a station last
 *   reported (the `x-wxprov-uplink-pending` header of its calls) and when. Contact bookkeeping,
 *   not news to any station: the version trigger (UPDATE OF state, settings) does not fire.
 * - `devices_outcome_updated`: the day's verified and failed rows (today's pass / fail per
 *   station) without walking the day's minted-but-unused block ids.
 * - `registrations_failed`: the count of ids the platform refused (pending has its own, 0001).
 */
export const s0005: ServerMigration = {
  version: 5,
  name: 'dashboard',
  up: `
    ALTER TABLE stations ADD COLUMN uplink_pending integer CHECK (uplink_pending >= 0), ADD COLUMN uplink_reported_at timestamptz;
    CREATE INDEX devices_outcome_updated ON devices (updated_at, station) WHERE status IN ('verified', 'failed');
    CREATE INDEX registrations_failed ON registrations (id) WHERE state = 'failed';
  `,
};
