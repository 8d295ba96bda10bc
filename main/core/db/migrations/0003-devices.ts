import type { Migration } from '../migration.js';

/**
 * The ledger: one row per device id ever handed out, never deleted (a failed unit's id
 * becomes `void` and stays). Sequences live per product and station so two stations offline
 * at once can never mint the same id. Indexes serve the searches the UI pages through at a
 * million rows: by device id, by hwid, and newest-first by status / product / date.
 */
export const m0003: Migration = {
  version: 3,
  name: 'devices',
  up: `
    ALTER TABLE products ADD COLUMN id_template TEXT;

    CREATE TABLE devices (
      id          INTEGER PRIMARY KEY,
      product_id  INTEGER NOT NULL REFERENCES products (product_id),
      device_id   TEXT NOT NULL,
      key_version INTEGER,
      signature   TEXT,
      hwid        TEXT,
      sn          TEXT,
      extra       TEXT,
      status      TEXT NOT NULL CHECK (status IN ('allocated', 'written', 'verified', 'failed', 'void')),
      station     TEXT NOT NULL,
      operator    TEXT NOT NULL,
      port        TEXT,
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL,
      synced_at   TEXT,
      last_error  TEXT,
      UNIQUE (product_id, device_id)
    );
    CREATE INDEX devices_device_id ON devices (device_id);
    CREATE INDEX devices_hwid ON devices (hwid) WHERE hwid IS NOT NULL;
    CREATE INDEX devices_created ON devices (created_at, id);
    CREATE INDEX devices_status_created ON devices (status, created_at, id);
    CREATE INDEX devices_product_created ON devices (product_id, created_at, id);

    CREATE TABLE id_sequences (
      product_id INTEGER NOT NULL REFERENCES products (product_id),
      station    TEXT NOT NULL,
      next_seq   INTEGER NOT NULL,
      PRIMARY KEY (product_id, station)
    );
  `,
};
