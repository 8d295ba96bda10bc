import type { ServerMigration } from '../migration.js';

/**
 * Ids the server mints ahead for a station (`POST /v1/blocks`) and signs online for it
 * (`POST /v1/sign`).
 *
 * - `blocks`: one row per block: the station and product, the key that signed it, how many
 *   ids and which (first and last sequence number and id), when. A station asks under its own
 *   request id, unique per station, so a block whose answer was lost is answered again whole
 *   (the same ids and signatures) instead of minting another.
 * - `devices.block_id`: the block an id was minted in; the ids of a block, in order, are read
 *   back by it (a partial index: ids signed online have none).
 * - `sign_requests`: the same for online signing: a station's request id names the id it
 *   reserved, so asking again answers with the same signature.
 */
export const s0002: ServerMigration = {
  version: 2,
  name: 'blocks',
  up: `
    CREATE TABLE blocks (
      id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      station         text NOT NULL REFERENCES stations (code),
      product_id      bigint NOT NULL REFERENCES products (product_id),
      request_id      text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 128),
      key_version     integer NOT NULL CHECK (key_version > 0),
      count           integer NOT NULL DEFAULT 0 CHECK (count >= 0),
      first_seq       bigint,
      last_seq        bigint,
      first_device_id text COLLATE "C",
      last_device_id  text COLLATE "C",
      created_at      timestamptz NOT NULL,
      UNIQUE (station, request_id),
      CHECK (first_seq IS NULL OR last_seq >= first_seq)
    );
    CREATE INDEX blocks_station_product ON blocks (station, product_id, id);

    ALTER TABLE devices ADD COLUMN block_id bigint REFERENCES blocks (id);
    CREATE INDEX devices_block ON devices (block_id, id) WHERE block_id IS NOT NULL;

    CREATE TABLE sign_requests (
      station    text NOT NULL REFERENCES stations (code),
      request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 128),
      product_id bigint NOT NULL,
      device_id  text COLLATE "C" NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (station, request_id),
      FOREIGN KEY (product_id, device_id) REFERENCES devices (product_id, device_id)
    );
  `,
};
