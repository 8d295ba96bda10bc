import type { ServerMigration } from '../migration.js';

/**
 * Downlink versions that no commit can slip under.
 *
 * Until now a change was stamped from the `fleet_version` sequence when it was written, and a
 * downlink answered the sequence's last value. A transaction that took its stamp first and
 * committed last was invisible to a downlink read in between, whose version was already past
 * its stamp: the station, asking `since` that version, never heard of the change (a void, a
 * registration).
 *
 * Now a change is stamped with its own transaction's id (xid8, monotonic, never reused), and
 * a downlink answers the oldest transaction id still running when it read
 * (`pg_snapshot_xmin`): every transaction below it has ended, so everything it wrote is
 * visible to the reads that follow, and anything stamped at or above it is sent by the next
 * downlink (`version >= since`). A change may be sent twice (its transaction was running
 * beside one that ended): stations apply downlinks idempotently.
 *
 * Versions stamped before this migration came from the sequence: every new stamp is offset
 * past the sequence's last value (`base`, fixed here), so a station's old `since` still
 * finds every later change, and a new `since` never re-sends the old ones. The sequence is
 * no longer drawn from.
 *
 * The ledger's version is read only for voids (a downlink's `revoked`): its index keeps only
 * those. Every other change of a ledger row no longer writes an index entry for its version,
 * which the uplink pays on every row it takes.
 */
export const s0004: ServerMigration = {
  version: 4,
  name: 'snapshot-versions',
  up: `
    DO $migration$
    DECLARE
      base bigint;
    BEGIN
      SELECT CASE WHEN is_called THEN last_value ELSE 0 END + 1 INTO base FROM fleet_version;
      EXECUTE format($f$
        CREATE OR REPLACE FUNCTION stamp_fleet_version() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
          NEW.version := %s + pg_current_xact_id()::text::bigint;
          RETURN NEW;
        END $body$$f$, base);
      EXECUTE format($f$
        CREATE FUNCTION fleet_version_now() RETURNS bigint LANGUAGE sql VOLATILE AS $body$
          SELECT %s + pg_snapshot_xmin(pg_current_snapshot())::text::bigint
        $body$$f$, base);
    END $migration$;

    DROP INDEX devices_version;
    CREATE INDEX devices_void_version ON devices (version) WHERE status = 'void';
  `,
};
