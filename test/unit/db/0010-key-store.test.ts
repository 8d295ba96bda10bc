import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { addProduct, dbAt, tables } from '../../helpers/db.js';

describe('migration 0010-key-store', () => {
  it('adds the key store tables to a ledger that has keys, leaving the keys as they are', () => {
    const db = dbAt(9);
    addProduct(db, 1);
    db.prepare(
      "INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by) VALUES (1, 1, 'pem', ?, 'created', 'active', 't', 'u')",
    ).run(Buffer.from('WXS:pass1:old'));
    expect(tables(db)).not.toContain('key_slots');
    migrate(db, MIGRATIONS.filter((m) => m.version <= 10));
    expect(db.pragma('user_version', { simple: true })).toBe(10);
    expect(tables(db)).toEqual(expect.arrayContaining(['keystore', 'key_slots', 'sealed_values']));
    expect((db.prepare('SELECT sealed_private_key FROM product_keys').get() as { sealed_private_key: Buffer }).sealed_private_key.toString()).toBe('WXS:pass1:old');
  });

  it('one store per data dir, known slot kinds, a passphrase slot always with its scrypt parameters', () => {
    const db = dbAt(10);
    const store = db.prepare("INSERT INTO keystore (id, key_check, created_at, created_by) VALUES (?, 'c', 't', 'u')");
    store.run(1);
    expect(() => store.run(1)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => store.run(2)).toThrow(/CHECK/);
    const slot = db.prepare("INSERT INTO key_slots (kind, params, wrapped, created_at, created_by) VALUES (?, ?, x'00', 't', 'u')");
    slot.run('passphrase', '{"N":32768}');
    slot.run('safeStorage', null);
    slot.run('pkcs11', null);
    expect(() => slot.run('passphrase', null)).toThrow(/CHECK/);
    expect(() => slot.run('fingerprint', null)).toThrow(/CHECK/);
    expect(db.prepare('SELECT label FROM key_slots WHERE id = 1').pluck().get()).toBe('');
    const value = db.prepare("INSERT INTO sealed_values (name, sealed, meta, updated_at, updated_by) VALUES ('appsecret', x'01', 'wx1', 't', 'u')");
    value.run();
    expect(() => value.run()).toThrow(/UNIQUE|PRIMARY KEY/);
  });
});
