import type { Migration } from '../migration.js';

/** Station-wide settings the engineer sets once (station code, sync batch size, ...). */
export const m0002: Migration = {
  version: 2,
  name: 'settings',
  up: `
    CREATE TABLE settings (
      key        TEXT PRIMARY KEY,
      value      TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      updated_by TEXT NOT NULL
    );
  `,
};
