import type { Migration } from '../migration.js';

/**
 * The results log goes up too: every `unit_results` row written while the station is joined is
 * queued in `fleet_uplink` (kind `result`) by trigger, in the transaction that writes it, so
 * the factory server can show yield per station and for the whole fleet. A result row never
 * changes: it is queued once, at version 1, under its own row id space — on the wire its
 * `row_id` is the NEGATIVE of its `unit_results.id`, so it can never share a key with a ledger
 * row's (devices' ids are positive; unit tests ride on their device's row and its versions).
 * Results written before the station joined stay on the station (as ledger rows do).
 *
 * `fleet_uplink` is rebuilt for it (SQLite cannot change a CHECK or a NOT NULL in place):
 * `device_row` may now be empty, `result_row` (the results row, unique: queued once) holds
 * a result's place instead, exactly one of the two is set, and `kind` takes `result`. Its rows
 * keep their ids (the send order) and sent marks. The rename runs with `legacy_alter_table`
 * on so that it leaves the 0011 triggers' text alone (they name `fleet_uplink`, which is what
 * the new table is called again once renamed).
 */
export const m0014: Migration = {
  version: 14,
  name: 'results-uplink',
  up: `
    CREATE TABLE fleet_uplink_0014 (
      id         INTEGER PRIMARY KEY,
      device_row INTEGER REFERENCES devices (id),
      result_row INTEGER REFERENCES unit_results (id),
      version    INTEGER NOT NULL,
      kind       TEXT NOT NULL CHECK (kind IN ('device', 'unit_test', 'void', 'result')),
      payload    TEXT NOT NULL,
      queued_at  TEXT NOT NULL,
      sent_at    TEXT,
      UNIQUE (device_row, version),
      UNIQUE (result_row),
      CHECK ((device_row IS NULL) <> (result_row IS NULL)),
      CHECK ((kind = 'result') = (result_row IS NOT NULL)),
      CHECK (kind <> 'result' OR version = 1)
    );
    INSERT INTO fleet_uplink_0014 (id, device_row, result_row, version, kind, payload, queued_at, sent_at)
      SELECT id, device_row, NULL, version, kind, payload, queued_at, sent_at FROM fleet_uplink ORDER BY id;
    DROP TABLE fleet_uplink;
    PRAGMA legacy_alter_table = ON;
    ALTER TABLE fleet_uplink_0014 RENAME TO fleet_uplink;
    PRAGMA legacy_alter_table = OFF;
    CREATE INDEX fleet_uplink_unsent ON fleet_uplink (id) WHERE sent_at IS NULL;

    CREATE TRIGGER fleet_uplink_result AFTER INSERT ON unit_results
    WHEN EXISTS (SELECT 1 FROM fleet_membership)
    BEGIN
      INSERT INTO fleet_uplink (result_row, version, kind, payload, queued_at)
      VALUES (NEW.id, 1, 'result',
        json_object('row_id', -NEW.id, 'version', 1, 'kind', 'result', 'product_id', NEW.product_id,
          'result', NEW.result, 'device_id', NEW.device_id, 'hwid', NEW.hwid, 'step', NEW.step, 'code', NEW.code,
          'at', NEW.at, 'station', NEW.station, 'port', NEW.port),
        NEW.at);
    END;
  `,
};
