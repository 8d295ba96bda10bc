import type { Migration } from '../migration.js';

/**
 * One key store per data dir, shared by the app and the CLI: a random data key seals every
 * private key and the app's AppSecret (`WXS:env1:`), and each unlock method ("slot") keeps
 * its own wrapping of that data key. `keystore` holds a public fingerprint of the key (a
 * slot must unwrap to it), `key_slots` the wrappings, `sealed_values` named secrets other
 * than product keys. Blobs sealed before this version (`WXS:pass1:`, `WXS:safe1:`) stay as
 * they are until an unlock re-seals them.
 */
export const m0010: Migration = {
  version: 10,
  name: 'key-store',
  up: `
    CREATE TABLE keystore (
      id         INTEGER PRIMARY KEY CHECK (id = 1),
      key_check  TEXT NOT NULL,
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL
    );
    CREATE TABLE key_slots (
      id         INTEGER PRIMARY KEY,
      kind       TEXT NOT NULL CHECK (kind IN ('passphrase', 'safeStorage', 'pkcs11')),
      label      TEXT NOT NULL DEFAULT '',
      params     TEXT,
      wrapped    BLOB NOT NULL,
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      CHECK (kind <> 'passphrase' OR params IS NOT NULL)
    );
    CREATE TABLE sealed_values (
      name       TEXT PRIMARY KEY,
      sealed     BLOB NOT NULL,
      meta       TEXT,
      updated_at TEXT NOT NULL,
      updated_by TEXT NOT NULL
    );
  `,
};
