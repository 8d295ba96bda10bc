import type { ServerMigration } from '../migration.js';

/**
 * A block's ids read back by the ledger's own key, not by an index of their own.
 *
 * A block asked for again (its answer was lost) is answered whole from the ledger. Its ids were
 * found by `devices_block` (block_id, id): an index every insert of an id and every update of a
 * ledger row wrote an entry into — a block's ids are filled in by the uplink one update each,
 * and each update of a row (non-HOT: the state, hwid and times it changes are indexed) writes
 * one entry into every index of `devices`. Now a block records the first and last ledger row
 * (`devices.id`) it minted, and its ids are read as the rows in that range that belong to it,
 * through the primary key. Blocks minted before are given their range from the index, which
 * then goes.
 */
export const s0012: ServerMigration = {
  version: 12,
  name: 'block-rows',
  up: `
    ALTER TABLE blocks ADD COLUMN first_row bigint, ADD COLUMN last_row bigint,
      ADD CONSTRAINT blocks_rows_check CHECK ((first_row IS NULL) = (last_row IS NULL) AND (first_row IS NULL OR last_row >= first_row));
    UPDATE blocks b SET first_row = m.lo, last_row = m.hi
      FROM (SELECT block_id, min(id) AS lo, max(id) AS hi FROM devices WHERE block_id IS NOT NULL GROUP BY block_id) AS m
      WHERE m.block_id = b.id;
    DROP INDEX devices_block;
  `,
};
