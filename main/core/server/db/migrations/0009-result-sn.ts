import type { ServerMigration } from '../migration.js';

/** The scanned SN a station's result row carries (station migration 0015), for the MES events of results with no id. */
export const s0009: ServerMigration = {
  version: 9,
  name: 'result-sn',
  up: `ALTER TABLE unit_results ADD COLUMN sn text;`,
};
