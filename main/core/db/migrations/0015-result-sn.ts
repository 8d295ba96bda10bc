import type { Migration } from '../migration.js';

/**
 * The results log keeps the scanned SN of the unit a result is about (null when none was
 * scanned), so a result with no device id — the MES refused the unit, it failed before an id —
 * still says which unit it was; the uplink's `result` rows carry it to the factory server (for
 * the MES events it sends for its stations). The uplink trigger of 0014 is made again with it.
 */
export const m0015: Migration = {
  version: 15,
  name: 'result-sn',
  up: `
    ALTER TABLE unit_results ADD COLUMN sn TEXT;
    DROP TRIGGER fleet_uplink_result;
    CREATE TRIGGER fleet_uplink_result AFTER INSERT ON unit_results
    WHEN EXISTS (SELECT 1 FROM fleet_membership)
    BEGIN
      INSERT INTO fleet_uplink (result_row, version, kind, payload, queued_at)
      VALUES (NEW.id, 1, 'result',
        json_object('row_id', -NEW.id, 'version', 1, 'kind', 'result', 'product_id', NEW.product_id,
          'result', NEW.result, 'device_id', NEW.device_id, 'hwid', NEW.hwid, 'sn', NEW.sn, 'step', NEW.step, 'code', NEW.code,
          'at', NEW.at, 'station', NEW.station, 'port', NEW.port),
        NEW.at);
    END;
  `,
};
