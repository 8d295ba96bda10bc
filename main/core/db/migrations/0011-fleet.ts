import type { Migration } from '../migration.js';

/**
 * A station in a fleet (a factory server, main/core/fleet). `fleet_membership`: the server it
 * joined (URL, the pinned SHA-256 fingerprint and the certificate that matched it), the station
 * code the server gave, and the credential, sealed under the key store's data key (never in
 * clear). `fleet_downlink`: the last downlink as received, its version and hostAppId;
 * `fleet_keys` the public keys from it (read-backs are verified with them: the station holds
 * no private key); `fleet_revoked` every id the server voided anywhere in the fleet (a unit found
 * holding one is set aside, even if this station never saw it). `fleet_block_requests` / `fleet_blocks` / `fleet_ids`: blocks of ids the
 * server minted, signed and queued for registration; a request is written before it is sent,
 * so a block minted and lost on the way is asked for again under the same request id. An id
 * is taken (`used`, with its ledger row) in the transaction that writes the ledger row.
 *
 * The uplink: every change to a ledger row (and every push-test result) while joined is
 * queued in `fleet_uplink` by trigger, in the transaction of the change, under the row's next
 * version (one counter per ledger row, `fleet_row_versions`, whatever the kind), carrying the
 * row as it was at that version. Rows stay unsent until the transaction that records the
 * server's answer marks them sent. The triggers do nothing on a station that never joined.
 */
export const m0011: Migration = {
  version: 11,
  name: 'fleet',
  up: `
    CREATE TABLE fleet_membership (
      id                INTEGER PRIMARY KEY CHECK (id = 1),
      server_url        TEXT NOT NULL,
      fingerprint       TEXT NOT NULL CHECK (length(fingerprint) = 64),
      server_cert_pem   TEXT NOT NULL,
      station_code      TEXT NOT NULL,
      credential_sealed BLOB NOT NULL,
      joined_at         TEXT NOT NULL,
      joined_by         TEXT NOT NULL,
      last_contact_at   TEXT,
      last_error        TEXT,
      last_error_at     TEXT,
      revoked_at        TEXT
    );

    CREATE TABLE fleet_downlink (
      id          INTEGER PRIMARY KEY CHECK (id = 1),
      version     INTEGER NOT NULL,
      host_app_id TEXT NOT NULL,
      content     TEXT NOT NULL,
      received_at TEXT NOT NULL
    );

    CREATE TABLE fleet_revoked (
      product_id  INTEGER NOT NULL,
      device_id   TEXT NOT NULL,
      reason      TEXT NOT NULL,
      received_at TEXT NOT NULL,
      PRIMARY KEY (product_id, device_id)
    );

    CREATE TABLE fleet_keys (
      product_id     INTEGER NOT NULL,
      key_version    INTEGER NOT NULL,
      public_key_pem TEXT NOT NULL,
      PRIMARY KEY (product_id, key_version)
    );

    CREATE TABLE fleet_block_requests (
      request_id TEXT PRIMARY KEY,
      product_id INTEGER NOT NULL,
      count      INTEGER NOT NULL,
      asked_at   TEXT NOT NULL,
      block_id   TEXT
    );
    CREATE INDEX fleet_block_requests_open ON fleet_block_requests (product_id) WHERE block_id IS NULL;

    CREATE TABLE fleet_blocks (
      block_id    TEXT PRIMARY KEY,
      product_id  INTEGER NOT NULL,
      key_version INTEGER NOT NULL,
      request_id  TEXT NOT NULL,
      size        INTEGER NOT NULL,
      received_at TEXT NOT NULL
    );

    CREATE TABLE fleet_ids (
      id          INTEGER PRIMARY KEY,
      block_id    TEXT NOT NULL REFERENCES fleet_blocks (block_id),
      product_id  INTEGER NOT NULL,
      key_version INTEGER NOT NULL,
      device_id   TEXT NOT NULL,
      signature   TEXT NOT NULL,
      state       TEXT NOT NULL CHECK (state IN ('unused', 'used', 'void')),
      used_at     TEXT,
      device_row  INTEGER REFERENCES devices (id),
      UNIQUE (product_id, device_id),
      CHECK ((state = 'used') = (device_row IS NOT NULL))
    );
    CREATE INDEX fleet_ids_unused ON fleet_ids (product_id, id) WHERE state = 'unused';

    CREATE TABLE fleet_row_versions (
      device_row INTEGER PRIMARY KEY REFERENCES devices (id),
      version    INTEGER NOT NULL
    );

    CREATE TABLE fleet_uplink (
      id         INTEGER PRIMARY KEY,
      device_row INTEGER NOT NULL REFERENCES devices (id),
      version    INTEGER NOT NULL,
      kind       TEXT NOT NULL CHECK (kind IN ('device', 'unit_test', 'void')),
      payload    TEXT NOT NULL,
      queued_at  TEXT NOT NULL,
      sent_at    TEXT,
      UNIQUE (device_row, version)
    );
    CREATE INDEX fleet_uplink_unsent ON fleet_uplink (id) WHERE sent_at IS NULL;

    CREATE TABLE fleet_conflicts (
      id          INTEGER PRIMARY KEY,
      received_at TEXT NOT NULL,
      detail      TEXT NOT NULL
    );

    CREATE TRIGGER fleet_uplink_device_insert AFTER INSERT ON devices
    WHEN EXISTS (SELECT 1 FROM fleet_membership)
    BEGIN
      INSERT INTO fleet_row_versions (device_row, version) VALUES (NEW.id, 1)
        ON CONFLICT (device_row) DO UPDATE SET version = version + 1;
      INSERT INTO fleet_uplink (device_row, version, kind, payload, queued_at)
        SELECT NEW.id, v.version, 'device',
          json_object('row_id', NEW.id, 'version', v.version, 'kind', 'device', 'product_id', NEW.product_id,
            'device_id', NEW.device_id, 'status', NEW.status, 'hwid', NEW.hwid, 'sn', NEW.sn, 'signature', NEW.signature,
            'key_version', NEW.key_version, 'station', NEW.station, 'port', NEW.port, 'operator', NEW.operator,
            'created_at', NEW.created_at, 'updated_at', NEW.updated_at, 'last_error', NEW.last_error),
          NEW.updated_at
        FROM fleet_row_versions v WHERE v.device_row = NEW.id;
    END;

    CREATE TRIGGER fleet_uplink_device_update AFTER UPDATE ON devices
    WHEN EXISTS (SELECT 1 FROM fleet_membership) AND (
      OLD.status IS NOT NEW.status OR OLD.hwid IS NOT NEW.hwid OR OLD.sn IS NOT NEW.sn OR OLD.signature IS NOT NEW.signature
      OR OLD.key_version IS NOT NEW.key_version OR OLD.port IS NOT NEW.port OR OLD.operator IS NOT NEW.operator
      OR OLD.last_error IS NOT NEW.last_error OR OLD.station IS NOT NEW.station OR OLD.device_id IS NOT NEW.device_id)
    BEGIN
      INSERT INTO fleet_row_versions (device_row, version) VALUES (NEW.id, 1)
        ON CONFLICT (device_row) DO UPDATE SET version = version + 1;
      INSERT INTO fleet_uplink (device_row, version, kind, payload, queued_at)
        SELECT NEW.id, v.version, k.kind,
          json_object('row_id', NEW.id, 'version', v.version, 'kind', k.kind, 'product_id', NEW.product_id,
            'device_id', NEW.device_id, 'status', NEW.status, 'hwid', NEW.hwid, 'sn', NEW.sn, 'signature', NEW.signature,
            'key_version', NEW.key_version, 'station', NEW.station, 'port', NEW.port, 'operator', NEW.operator,
            'created_at', NEW.created_at, 'updated_at', NEW.updated_at, 'last_error', NEW.last_error),
          NEW.updated_at
        FROM fleet_row_versions v,
          (SELECT CASE WHEN NEW.status = 'void' AND OLD.status IS NOT 'void' THEN 'void' ELSE 'device' END AS kind) k
        WHERE v.device_row = NEW.id;
    END;

    CREATE TRIGGER fleet_uplink_unit_test AFTER INSERT ON unit_tests
    WHEN EXISTS (SELECT 1 FROM fleet_membership)
    BEGIN
      INSERT INTO fleet_row_versions (device_row, version) VALUES (NEW.device_row, 1)
        ON CONFLICT (device_row) DO UPDATE SET version = version + 1;
      INSERT INTO fleet_uplink (device_row, version, kind, payload, queued_at)
        SELECT d.id, v.version, 'unit_test',
          json_object('row_id', d.id, 'version', v.version, 'kind', 'unit_test', 'product_id', d.product_id,
            'device_id', d.device_id, 'status', d.status, 'hwid', d.hwid, 'sn', d.sn, 'signature', d.signature,
            'key_version', d.key_version, 'station', d.station, 'port', d.port, 'operator', d.operator,
            'created_at', d.created_at, 'updated_at', d.updated_at, 'last_error', d.last_error,
            'test', json_object('test', NEW.test, 'result', NEW.result, 'detail', NEW.detail, 'at', NEW.at, 'port', NEW.port)),
          NEW.at
        FROM devices d JOIN fleet_row_versions v ON v.device_row = d.id WHERE d.id = NEW.device_row;
    END;
  `,
};
