import type { Migration } from '../migration.js';

/** End-of-line test results (the push test), recorded beside the unit they tested. */
export const m0006: Migration = {
  version: 6,
  name: 'unit-tests',
  up: `
    CREATE TABLE unit_tests (
      id         INTEGER PRIMARY KEY,
      device_row INTEGER NOT NULL REFERENCES devices (id),
      test       TEXT NOT NULL,
      result     TEXT NOT NULL CHECK (result IN ('PASS', 'FAIL')),
      detail     TEXT,
      at         TEXT NOT NULL,
      station    TEXT,
      port       TEXT
    );
    CREATE INDEX unit_tests_device ON unit_tests (device_row);
  `,
};
