import type { ServerMigration } from '../migration.js';

/**
 * The stations' results logs, for yield (`GET /dashboard/stats`, server/dashboard/yield.ts): one
 * row per result a station reported (PASS, FAIL, EXISTING), ids or none — a FAIL before an id
 * was allocated (the MES refused the unit, a foreign identity) is a result as much as a PASS.
 *
 * - `unit_results`: what the station's `unit_results` row held, under the station that sent it
 *   (authenticated, not the row's own word) and its row there (`src_row`): unique per
 *   (station, src_row), so a result sent again is kept once even apart from the receipts.
 *   Indexed by time, and by station then time: the dashboard's ranges are one of the two.
 * - `uplink_receipts.row_id`: a station sends a result under the negative of its row id (a key
 *   space its ledger rows never use), so the receipts take any row id but 0.
 */
export const s0007: ServerMigration = {
  version: 7,
  name: 'unit-results',
  up: `
    CREATE TABLE unit_results (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      station     text NOT NULL,
      src_row     bigint NOT NULL CHECK (src_row > 0),
      product_id  bigint NOT NULL REFERENCES products (product_id),
      at          timestamptz NOT NULL,
      port        text,
      result      text NOT NULL CHECK (result IN ('PASS', 'FAIL', 'EXISTING')),
      device_id   text COLLATE "C",
      hwid        text,
      step        text NOT NULL,
      code        text,
      received_at timestamptz NOT NULL,
      UNIQUE (station, src_row)
    );
    CREATE INDEX unit_results_at ON unit_results (at);
    CREATE INDEX unit_results_station_at ON unit_results (station, at);

    ALTER TABLE uplink_receipts DROP CONSTRAINT uplink_receipts_row_id_check;
    ALTER TABLE uplink_receipts ADD CONSTRAINT uplink_receipts_row_id_check CHECK (row_id <> 0);
  `,
};
