import type { ServerMigration } from '../migration.js';

/**
 * Product keys on the server that live in a hardware token (PKCS#11), as on a station
 * (SQLite 0012): the row records where the key is — module path, token label and serial, the
 * key's CKA_ID — and holds no material. Sealed keys are untouched (their blob and its
 * `WXS:` check stay); `key_store` tells the two apart.
 */
export const s0006: ServerMigration = {
  version: 6,
  name: 'token-keys',
  up: `
    ALTER TABLE product_keys ALTER COLUMN sealed_private_key DROP NOT NULL;
    ALTER TABLE product_keys
      ADD COLUMN key_store text NOT NULL DEFAULT 'sealed' CHECK (key_store IN ('sealed', 'pkcs11')),
      ADD COLUMN pkcs11_module text,
      ADD COLUMN pkcs11_token_label text,
      ADD COLUMN pkcs11_token_serial text,
      ADD COLUMN pkcs11_key_id text CHECK (pkcs11_key_id ~ '^([0-9a-f]{2}){1,128}$'),
      ADD CONSTRAINT product_keys_where CHECK (
        (key_store = 'sealed' AND sealed_private_key IS NOT NULL AND pkcs11_module IS NULL)
        OR (key_store = 'pkcs11' AND sealed_private_key IS NULL AND pkcs11_module IS NOT NULL AND pkcs11_key_id IS NOT NULL
            AND (pkcs11_token_label IS NOT NULL OR pkcs11_token_serial IS NOT NULL)));
  `,
};
