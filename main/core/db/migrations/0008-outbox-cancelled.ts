import type { Migration } from '../migration.js';

/**
 * A voided id's registration that has not gone out yet is cancelled, not deleted: the outbox
 * keeps saying what happened to every id it was given. SQLite cannot widen a CHECK in place,
 * so the table is rebuilt with the same rows, ids and index.
 */
export const m0008: Migration = {
  version: 8,
  name: 'outbox-cancelled',
  up: `
    CREATE TABLE outbox_new (
      id         INTEGER PRIMARY KEY,
      device_row INTEGER NOT NULL UNIQUE REFERENCES devices (id),
      product_id INTEGER NOT NULL,
      device_id  TEXT NOT NULL,
      state      TEXT NOT NULL CHECK (state IN ('pending', 'synced', 'failed', 'cancelled')),
      attempts   INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      created_at TEXT NOT NULL,
      synced_at  TEXT
    );
    INSERT INTO outbox_new (id, device_row, product_id, device_id, state, attempts, last_error, created_at, synced_at)
      SELECT id, device_row, product_id, device_id, state, attempts, last_error, created_at, synced_at FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_new RENAME TO outbox;
    CREATE INDEX outbox_state ON outbox (state, product_id, id);
  `,
};
