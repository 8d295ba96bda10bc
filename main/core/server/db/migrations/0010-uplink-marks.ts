import type { ServerMigration } from '../migration.js';

/**
 * A station's uplink taken up to a place in its outbox, instead of row by row.
 *
 * Stations from now on send each row with `seq`, its place in their outbox (`fleet_uplink.id`:
 * only ever growing, and sent in order, one batch at a time, a batch acknowledged before the
 * next is read). So everything up to the highest `seq` the server has taken is taken:
 * `uplink_marks` holds that place per station, and a row at or below it is a duplicate. One
 * row per batch instead of a receipt per row (`uplink_receipts`): the receipts were about a
 * fifth of PostgreSQL's time in the uplink (the fleet bench).
 *
 * - A station enrolled from now on gets its mark at 0 (enrolling again, after a revoke, puts it
 *   back to 0: a station set up afresh numbers its outbox from 1 again).
 * - A station enrolled before has no mark until its first batch with `seq`, which is also
 *   checked against the receipts (it may resend, upgraded, the batch whose answer it lost).
 * - Rows without `seq` (a station not yet upgraded) still take receipts, as before.
 */
export const s0010: ServerMigration = {
  version: 10,
  name: 'uplink-marks',
  up: `
    CREATE TABLE uplink_marks (
      station    text PRIMARY KEY REFERENCES stations (code),
      seq        bigint NOT NULL CHECK (seq >= 0),
      updated_at timestamptz NOT NULL
    );
  `,
};
