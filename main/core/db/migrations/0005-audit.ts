import type { Migration } from '../migration.js';

/**
 * Append-only audit of every device state change: who, when, where, what. Written by
 * triggers, so no code path can change a device without leaving its trace, and guarded by
 * triggers so no code path can rewrite history.
 */
export const m0005: Migration = {
  version: 5,
  name: 'audit',
  up: `
    CREATE TABLE audit (
      id         INTEGER PRIMARY KEY,
      at         TEXT NOT NULL,
      actor      TEXT NOT NULL,
      station    TEXT,
      port       TEXT,
      product_id INTEGER,
      device_id  TEXT,
      action     TEXT NOT NULL,
      from_state TEXT,
      to_state   TEXT,
      detail     TEXT
    );
    CREATE INDEX audit_device ON audit (product_id, device_id);

    CREATE TRIGGER audit_device_insert AFTER INSERT ON devices BEGIN
      INSERT INTO audit (at, actor, station, port, product_id, device_id, action, from_state, to_state, detail)
      VALUES (NEW.created_at, NEW.operator, NEW.station, NEW.port, NEW.product_id, NEW.device_id, 'allocate', NULL, NEW.status, NEW.hwid);
    END;
    CREATE TRIGGER audit_device_status AFTER UPDATE OF status ON devices WHEN OLD.status IS NOT NEW.status BEGIN
      INSERT INTO audit (at, actor, station, port, product_id, device_id, action, from_state, to_state, detail)
      VALUES (NEW.updated_at, NEW.operator, NEW.station, NEW.port, NEW.product_id, NEW.device_id, 'status', OLD.status, NEW.status, NEW.last_error);
    END;
    CREATE TRIGGER audit_device_synced AFTER UPDATE OF synced_at ON devices WHEN OLD.synced_at IS NULL AND NEW.synced_at IS NOT NULL BEGIN
      INSERT INTO audit (at, actor, station, port, product_id, device_id, action, from_state, to_state, detail)
      VALUES (NEW.synced_at, 'sync', NEW.station, NULL, NEW.product_id, NEW.device_id, 'synced', NULL, NULL, NULL);
    END;

    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
      SELECT RAISE(ABORT, 'the audit log is append-only');
    END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
      SELECT RAISE(ABORT, 'the audit log is append-only');
    END;
  `,
};
