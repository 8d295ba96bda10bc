import type { Migration } from '../migration.js';

/**
 * Product keys that live in a hardware token (PKCS#11): the row records where the key is —
 * the module (driver) path, the token's label and serial, the key's CKA_ID — and never its
 * material, so `sealed_private_key` is empty for them. `key_store` says which: `sealed` (the
 * key sealed under the key store, as before) or `pkcs11`. SQLite cannot relax a NOT NULL in
 * place: the table is rebuilt with the same rows (rowids kept: a key waiting for its
 * registerpubkey answer is found by rowid).
 */
export const m0012: Migration = {
  version: 12,
  name: 'token-keys',
  up: `
    CREATE TABLE product_keys_new (
      product_id          INTEGER NOT NULL REFERENCES products (product_id),
      key_version         INTEGER,
      public_key_pem      TEXT NOT NULL,
      sealed_private_key  BLOB,
      origin              TEXT NOT NULL CHECK (origin IN ('created', 'imported')),
      state               TEXT NOT NULL CHECK (state IN ('registering', 'active')),
      created_at          TEXT NOT NULL,
      created_by          TEXT NOT NULL,
      key_store           TEXT NOT NULL DEFAULT 'sealed' CHECK (key_store IN ('sealed', 'pkcs11')),
      pkcs11_module       TEXT,
      pkcs11_token_label  TEXT,
      pkcs11_token_serial TEXT,
      pkcs11_key_id       TEXT CHECK (pkcs11_key_id IS NULL OR (length(pkcs11_key_id) BETWEEN 2 AND 256 AND pkcs11_key_id NOT GLOB '*[^0-9a-f]*')),
      UNIQUE (product_id, key_version),
      CHECK (key_store <> 'sealed' OR (sealed_private_key IS NOT NULL AND pkcs11_module IS NULL)),
      CHECK (key_store <> 'pkcs11' OR (sealed_private_key IS NULL AND pkcs11_module IS NOT NULL AND pkcs11_key_id IS NOT NULL
                                       AND (pkcs11_token_label IS NOT NULL OR pkcs11_token_serial IS NOT NULL)))
    );
    INSERT INTO product_keys_new (rowid, product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by)
      SELECT rowid, product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by FROM product_keys;
    DROP TABLE product_keys;
    ALTER TABLE product_keys_new RENAME TO product_keys;
  `,
};
