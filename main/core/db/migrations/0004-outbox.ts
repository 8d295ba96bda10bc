import type { Migration } from '../migration.js';

/**
 * Registrations waiting for adddevice. A row goes pending → synced in the same transaction
 * that records the platform's answer; there is no "sending" state on purpose: a process that
 * dies mid-call leaves the rows pending, and they are simply sent again (re-adding is harmless).
 */
export const m0004: Migration = {
  version: 4,
  name: 'outbox',
  up: `
    CREATE TABLE outbox (
      id         INTEGER PRIMARY KEY,
      device_row INTEGER NOT NULL UNIQUE REFERENCES devices (id),
      product_id INTEGER NOT NULL,
      device_id  TEXT NOT NULL,
      state      TEXT NOT NULL CHECK (state IN ('pending', 'synced', 'failed')),
      attempts   INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      created_at TEXT NOT NULL,
      synced_at  TEXT
    );
    CREATE INDEX outbox_state ON outbox (state, product_id, id);

    -- One row: why the worker is stopped (quota, permissions) and until when.
    CREATE TABLE sync_state (
      id           INTEGER PRIMARY KEY CHECK (id = 1),
      paused_until TEXT,
      last_error   TEXT,
      last_errcode INTEGER,
      last_error_at TEXT,
      last_success_at TEXT
    );
    INSERT INTO sync_state (id) VALUES (1);
  `,
};
