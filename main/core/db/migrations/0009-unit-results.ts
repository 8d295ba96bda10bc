import type { Migration } from '../migration.js';

/**
 * One row per unit result the station reported (PASS, FAIL, EXISTING), so the day's counters
 * survive a restart. The ledger alone cannot give them: a FAIL before an id was allocated
 * (refused at HELLO, a foreign identity, a unit that stopped answering) and an EXISTING unit
 * already counted leave no new ledger row or status change. Indexed by time first: the day's
 * counts are one range over (at, station, result), never a scan.
 */
export const m0009: Migration = {
  version: 9,
  name: 'unit-results',
  up: `
    CREATE TABLE unit_results (
      id         INTEGER PRIMARY KEY,
      at         TEXT NOT NULL,
      station    TEXT,
      port       TEXT NOT NULL,
      product_id INTEGER NOT NULL,
      result     TEXT NOT NULL CHECK (result IN ('PASS', 'FAIL', 'EXISTING')),
      device_id  TEXT,
      hwid       TEXT,
      step       TEXT NOT NULL,
      code       TEXT
    );
    CREATE INDEX unit_results_at ON unit_results (at, station, result);
  `,
};
