import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { SERVER_MIGRATIONS } from '../../../main/core/server/db/migrations/index.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';
import { addProduct } from '../../helpers/server-fleet.js';

// Server schema 0006: a product key in a hardware token is recorded by where it is (module,
// token, key id) with no material; a sealed key keeps its blob and gets no token.

const PEM = '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n';

describe.each(STORES)('server migration 0006-token-keys on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it('keeps the sealed keys as they were, and takes a token key only with its module, token and key id', async () => {
      const db = store();
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 5));
      await addProduct(db, 1001);
      await db.query(
        "INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by) VALUES (1001, 1, $1, $2, 'created', 'active', now(), 't')",
        [PEM, Buffer.from('WXS:env1:a')],
      );
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 6));
      expect((await db.query<{ key_store: string; sealed_private_key: Buffer }>('SELECT key_store, sealed_private_key FROM product_keys')).rows).toEqual([
        { key_store: 'sealed', sealed_private_key: Buffer.from('WXS:env1:a') },
      ]);
      const token = (v: number, o: { sealed?: Buffer | null; module?: string | null; label?: string | null; serial?: string | null; id?: string | null }) =>
        db.query(
          `INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by, key_store, pkcs11_module, pkcs11_token_label, pkcs11_token_serial, pkcs11_key_id)
           VALUES (1001, $1, $2, $3, 'created', 'active', now(), 't', 'pkcs11', $4, $5, $6, $7)`,
          [v, PEM, o.sealed ?? null, o.module === undefined ? '/m.so' : o.module, o.label === undefined ? 'line1' : o.label, o.serial ?? null, o.id === undefined ? 'a1b2' : o.id],
        );
      await token(2, {});
      await token(3, { label: null, serial: 'b28da98f7330373d' });
      await expect(token(4, { sealed: Buffer.from('WXS:env1:b') })).rejects.toThrow();
      await expect(token(5, { module: null })).rejects.toThrow();
      await expect(token(6, { label: null })).rejects.toThrow();
      await expect(token(7, { id: null })).rejects.toThrow();
      await expect(token(8, { id: 'A1B' })).rejects.toThrow();
      await expect(
        db.query(
          "INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by) VALUES (1001, 9, $1, NULL, 'created', 'active', now(), 't')",
          [PEM],
        ),
      ).rejects.toThrow();
    });
  });
});
