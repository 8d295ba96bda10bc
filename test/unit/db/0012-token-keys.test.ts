import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { addProduct, dbAt } from '../../helpers/db.js';

describe('migration 0012-token-keys', () => {
  it('keeps every key and its rowid, sealed as before', () => {
    const db = dbAt(11);
    addProduct(db, 1);
    const ins = db.prepare(
      "INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by) VALUES (1, ?, 'pem', ?, 'created', ?, 't', 'u')",
    );
    ins.run(1, Buffer.from('WXS:env1:a'), 'active');
    ins.run(null, Buffer.from('WXS:env1:b'), 'registering');
    const before = db.prepare('SELECT rowid, * FROM product_keys ORDER BY rowid').all();
    migrate(db, MIGRATIONS.filter((m) => m.version <= 12));
    expect(db.pragma('user_version', { simple: true })).toBe(12);
    const after = db.prepare('SELECT rowid, product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by FROM product_keys ORDER BY rowid').all();
    expect(after).toEqual(before);
    expect(db.prepare('SELECT DISTINCT key_store FROM product_keys').pluck().all()).toEqual(['sealed']);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('a key in a token records where it is and holds no material; a sealed one holds its blob and no token', () => {
    const db = dbAt(12);
    addProduct(db, 1);
    const token = db.prepare(
      `INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by, key_store, pkcs11_module, pkcs11_token_label, pkcs11_token_serial, pkcs11_key_id)
       VALUES (1, ?, 'pem', ?, 'created', 'active', 't', 'u', 'pkcs11', ?, ?, ?, ?)`,
    );
    token.run(1, null, '/usr/lib/softhsm/libsofthsm2.so', 'line1', null, '0a1b');
    token.run(2, null, '/m.so', null, 'b28da98f7330373d', 'ff');
    expect(() => token.run(3, Buffer.from('x'), '/m.so', 'line1', null, '01')).toThrow(/CHECK/); // material beside a token key
    expect(() => token.run(4, null, null, 'line1', null, '01')).toThrow(/CHECK/); // no module
    expect(() => token.run(5, null, '/m.so', null, null, '01')).toThrow(/CHECK/); // no token
    expect(() => token.run(6, null, '/m.so', 'line1', null, null)).toThrow(/CHECK/); // no key id
    expect(() => token.run(7, null, '/m.so', 'line1', null, 'XYZ')).toThrow(/CHECK/); // id not hex
    const sealed = db.prepare(
      "INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by, pkcs11_module) VALUES (1, ?, 'pem', ?, 'imported', 'active', 't', 'u', ?)",
    );
    sealed.run(8, Buffer.from('WXS:env1:c'), null);
    expect(() => sealed.run(9, null, null)).toThrow(/CHECK/);
    expect(() => sealed.run(10, Buffer.from('x'), '/m.so')).toThrow(/CHECK/);
  });
});
