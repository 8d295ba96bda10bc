import type { ServerMigration } from '../migration.js';

/**
 * The factory server's first schema: settings, stations, products and their keys, bound mini
 * programs, the createproduct journal, the fleet ledger (devices), per-(product, station)
 * sequences, the adddevice outbox (registrations) and the audit log. Blocks, uplink receipts
 * and conflicts come in later migrations.
 *
 * - Times are timestamptz; the server writes its own clock's time (an injected clock in tests).
 * - `fleet_version` numbers every change a station must hear about in its downlink: a trigger
 *   stamps each inserted or updated row of the tables the downlink reads, so no write path can
 *   forget to. (A stamp is taken before its transaction commits; a downlink that pages by it
 *   must allow for one committing late: see server/fleet/downlink.ts.)
 * - Rules the ledger lives by are CHECKs and keys here, not only in code: a station code is
 *   1–8 letters or digits and unique ignoring case (A1 and a1 are one station to an operator);
 *   a device id is what the platform accepts and unique per product; a private key can only
 *   be stored sealed (`WXS:` blobs); one key per product may be waiting for registerpubkey.
 * - The audit log is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE.
 */
export const s0001: ServerMigration = {
  version: 1,
  name: 'fleet',
  up: `
    CREATE SEQUENCE fleet_version AS bigint;

    CREATE FUNCTION stamp_fleet_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.version := nextval('fleet_version');
      RETURN NEW;
    END $$;

    CREATE TABLE settings (
      key        text PRIMARY KEY,
      value      jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      updated_by text NOT NULL
    );

    CREATE TABLE stations (
      code             text PRIMARY KEY CHECK (code ~ '^[0-9A-Za-z]{1,8}$'),
      state            text NOT NULL CHECK (state IN ('enrolled', 'joined', 'revoked')),
      enrol_code_hash  text CHECK (enrol_code_hash ~ '^[0-9a-f]{64}$'),
      enrol_expires_at timestamptz,
      credential_hash  text UNIQUE CHECK (credential_hash ~ '^[0-9a-f]{64}$'),
      settings         jsonb NOT NULL DEFAULT '{}'::jsonb,
      enrolled_at      timestamptz NOT NULL,
      enrolled_by      text NOT NULL,
      joined_at        timestamptz,
      revoked_at       timestamptz,
      revoked_by       text,
      last_contact     timestamptz,
      version          bigint NOT NULL DEFAULT 0,
      CHECK (state <> 'enrolled' OR (enrol_code_hash IS NOT NULL AND enrol_expires_at IS NOT NULL)),
      CHECK (state <> 'joined' OR (credential_hash IS NOT NULL AND joined_at IS NOT NULL)),
      CHECK (state <> 'revoked' OR revoked_at IS NOT NULL)
    );
    CREATE UNIQUE INDEX stations_code_ci ON stations (lower(code));
    -- A join names its station by the enrolment code alone: at most one station waits for each.
    CREATE UNIQUE INDEX stations_enrol_code ON stations (enrol_code_hash) WHERE enrol_code_hash IS NOT NULL;

    CREATE TABLE products (
      product_id   bigint PRIMARY KEY CHECK (product_id > 0),
      english_name text,
      chinese_name text,
      default_name text,
      model_name   text,
      id_template  text,
      origin       text NOT NULL CHECK (origin IN ('created', 'recorded')),
      created_at   timestamptz NOT NULL,
      created_by   text NOT NULL,
      version      bigint NOT NULL DEFAULT 0
    );

    CREATE TABLE product_intents (
      id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      english_name text NOT NULL,
      chinese_name text NOT NULL,
      default_name text NOT NULL,
      model_name   text NOT NULL,
      state        text NOT NULL CHECK (state IN ('sending', 'done', 'failed', 'unknown', 'abandoned')),
      product_id   bigint,
      last_error   text,
      created_at   timestamptz NOT NULL,
      updated_at   timestamptz NOT NULL,
      created_by   text NOT NULL
    );
    CREATE INDEX product_intents_names ON product_intents (english_name, chinese_name, default_name, model_name);

    CREATE TABLE product_keys (
      id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      product_id         bigint NOT NULL REFERENCES products (product_id),
      key_version        integer CHECK (key_version > 0),
      public_key_pem     text NOT NULL CHECK (public_key_pem LIKE '-----BEGIN PUBLIC KEY-----%'),
      sealed_private_key bytea NOT NULL CHECK (substring(sealed_private_key FROM 1 FOR 4) = 'WXS:'::bytea),
      origin             text NOT NULL CHECK (origin IN ('created', 'imported')),
      state              text NOT NULL CHECK (state IN ('registering', 'active')),
      created_at         timestamptz NOT NULL,
      created_by         text NOT NULL,
      version            bigint NOT NULL DEFAULT 0,
      UNIQUE (product_id, key_version),
      CHECK (state <> 'active' OR key_version IS NOT NULL)
    );
    CREATE UNIQUE INDEX product_keys_one_registering ON product_keys (product_id) WHERE state = 'registering';

    CREATE TABLE product_apps (
      product_id bigint NOT NULL REFERENCES products (product_id),
      appid      text NOT NULL CHECK (appid ~ '^wx[0-9a-fA-F]{16}$'),
      bound_at   timestamptz NOT NULL,
      bound_by   text NOT NULL,
      version    bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (product_id, appid)
    );

    CREATE TABLE devices (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      product_id  bigint NOT NULL REFERENCES products (product_id),
      device_id   text COLLATE "C" NOT NULL CHECK (device_id ~ '^[0-9A-Za-z_-]{1,128}$'),
      station     text NOT NULL REFERENCES stations (code),
      status      text NOT NULL CHECK (status IN ('allocated', 'written', 'verified', 'failed', 'void')),
      hwid        text,
      sn          text,
      extra       jsonb,
      signature   text,
      key_version integer,
      port        text,
      operator    text,
      created_at  timestamptz NOT NULL,
      updated_at  timestamptz NOT NULL,
      synced_at   timestamptz,
      last_error  text,
      void_reason text,
      version     bigint NOT NULL DEFAULT 0,
      UNIQUE (product_id, device_id),
      CHECK (status <> 'void' OR void_reason IS NOT NULL)
    );
    -- Fleet search: an id in any product (COLLATE "C": a prefix LIKE uses it), a hwid, an sn,
    -- a station's day; and what changed since a station's last downlink.
    CREATE INDEX devices_device_id ON devices (device_id);
    CREATE INDEX devices_hwid ON devices (hwid) WHERE hwid IS NOT NULL;
    CREATE INDEX devices_sn ON devices (sn) WHERE sn IS NOT NULL;
    CREATE INDEX devices_station_created ON devices (station, created_at);
    CREATE INDEX devices_created ON devices (created_at);
    CREATE INDEX devices_version ON devices (version);

    CREATE TABLE id_sequences (
      product_id bigint NOT NULL REFERENCES products (product_id),
      station    text NOT NULL REFERENCES stations (code),
      next_seq   bigint NOT NULL DEFAULT 1 CHECK (next_seq >= 1),
      PRIMARY KEY (product_id, station)
    );

    -- The adddevice outbox. No "sending" state, as on a station: rows stay pending until the
    -- transaction that records the platform's answer; workers claim them FOR UPDATE SKIP LOCKED.
    CREATE TABLE registrations (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      product_id bigint NOT NULL,
      device_id  text COLLATE "C" NOT NULL,
      state      text NOT NULL CHECK (state IN ('pending', 'synced', 'failed', 'cancelled')),
      attempts   integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_error text,
      not_before timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      synced_at  timestamptz,
      version    bigint NOT NULL DEFAULT 0,
      UNIQUE (product_id, device_id),
      FOREIGN KEY (product_id, device_id) REFERENCES devices (product_id, device_id),
      CHECK (state <> 'synced' OR synced_at IS NOT NULL)
    );
    CREATE INDEX registrations_pending ON registrations (product_id, id) WHERE state = 'pending';
    CREATE INDEX registrations_version ON registrations (version);

    CREATE TABLE audit (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at         timestamptz NOT NULL,
      actor      text NOT NULL,
      action     text NOT NULL,
      station    text,
      product_id bigint,
      device_id  text,
      detail     jsonb NOT NULL DEFAULT '{}'::jsonb
    );
    CREATE INDEX audit_at ON audit (at);

    CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
    CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only();

    -- A station's own contact times are not news to anyone: only its state and settings are.
    CREATE TRIGGER stations_version BEFORE INSERT OR UPDATE OF state, settings ON stations FOR EACH ROW EXECUTE FUNCTION stamp_fleet_version();
    CREATE TRIGGER products_version BEFORE INSERT OR UPDATE ON products FOR EACH ROW EXECUTE FUNCTION stamp_fleet_version();
    CREATE TRIGGER product_keys_version BEFORE INSERT OR UPDATE ON product_keys FOR EACH ROW EXECUTE FUNCTION stamp_fleet_version();
    CREATE TRIGGER product_apps_version BEFORE INSERT OR UPDATE ON product_apps FOR EACH ROW EXECUTE FUNCTION stamp_fleet_version();
    CREATE TRIGGER devices_version BEFORE INSERT OR UPDATE ON devices FOR EACH ROW EXECUTE FUNCTION stamp_fleet_version();
    CREATE TRIGGER registrations_version BEFORE INSERT OR UPDATE ON registrations FOR EACH ROW EXECUTE FUNCTION stamp_fleet_version();
  `,
};
