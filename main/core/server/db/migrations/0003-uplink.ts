import type { ServerMigration } from '../migration.js';

/**
 * What stations send up (`POST /v1/uplink`): every change to a ledger row, under the station's
 * (row id, version).
 *
 * - `uplink_receipts`: one row per (station, row id, version) ever taken. A batch sent again
 *   (the station was killed before it recorded the answer) finds its keys here and counts as
 *   duplicates: nothing is applied twice. Written only for an authenticated station, so it
 *   needs no foreign key (one lookup fewer per row on the hot path).
 * - `devices.src_row` / `src_version`: the station's row and the version last applied to the
 *   ledger row, so an older version can never overwrite a newer one; `reported_at` when.
 * - `unit_tests`: push-test results as stations report them, with the hwid of the unit tested.
 * - `conflicts`: a hwid seen on two live ids, or an id reported from two units. Recorded, never
 *   merged: each names both sides (id, hwid, station) and keeps what was reported, and is
 *   unique per pair (`key`), so reporting it again only moves `last_seen`. Stamped for the
 *   downlink when found: both stations hear of it.
 */
export const s0003: ServerMigration = {
  version: 3,
  name: 'uplink',
  up: `
    CREATE TABLE uplink_receipts (
      station     text NOT NULL,
      row_id      bigint NOT NULL CHECK (row_id > 0),
      version     integer NOT NULL CHECK (version > 0),
      received_at timestamptz NOT NULL,
      PRIMARY KEY (station, row_id, version)
    );

    ALTER TABLE devices ADD COLUMN src_row bigint, ADD COLUMN src_version integer, ADD COLUMN reported_at timestamptz;

    CREATE TABLE unit_tests (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      product_id  bigint NOT NULL,
      device_id   text COLLATE "C" NOT NULL,
      station     text NOT NULL,
      hwid        text,
      test        text NOT NULL,
      result      text NOT NULL CHECK (result IN ('PASS', 'FAIL')),
      detail      text,
      at          timestamptz NOT NULL,
      port        text,
      received_at timestamptz NOT NULL,
      FOREIGN KEY (product_id, device_id) REFERENCES devices (product_id, device_id)
    );
    CREATE INDEX unit_tests_device ON unit_tests (product_id, device_id);

    CREATE TABLE conflicts (
      id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      kind             text NOT NULL CHECK (kind IN ('id_two_units', 'hwid_two_ids')),
      key              text NOT NULL,
      product_id       bigint NOT NULL,
      device_id        text COLLATE "C" NOT NULL,
      hwid             text,
      station          text NOT NULL,
      other_product_id bigint NOT NULL,
      other_device_id  text COLLATE "C" NOT NULL,
      other_hwid       text,
      other_station    text NOT NULL,
      detail           jsonb NOT NULL DEFAULT '{}'::jsonb,
      first_seen       timestamptz NOT NULL,
      last_seen        timestamptz NOT NULL,
      seen             integer NOT NULL DEFAULT 1 CHECK (seen >= 1),
      version          bigint NOT NULL DEFAULT 0,
      UNIQUE (kind, key),
      CHECK (kind <> 'id_two_units' OR (product_id = other_product_id AND device_id = other_device_id AND hwid IS DISTINCT FROM other_hwid)),
      CHECK (kind <> 'hwid_two_ids' OR (hwid = other_hwid AND (product_id, device_id) <> (other_product_id, other_device_id)))
    );
    CREATE INDEX conflicts_station ON conflicts (station, version);
    CREATE INDEX conflicts_other_station ON conflicts (other_station, version);
    -- News once, when found: seeing it again is not news to either station.
    CREATE TRIGGER conflicts_version BEFORE INSERT ON conflicts FOR EACH ROW EXECUTE FUNCTION stamp_fleet_version();
  `,
};
