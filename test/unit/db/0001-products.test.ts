import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDb, schemaVersion } from '../../../main/core/db/open.js';
import { m0001 } from '../../../main/core/db/migrations/0001-products.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('migration 0001-products', () => {
  it('creates the product tables on an empty database and sets the version', () => {
    const db = new Database(':memory:');
    migrate(db, [m0001]);
    expect(schemaVersion(db)).toBe(1);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['products', 'product_intents', 'product_keys', 'product_apps']));
  });

  it('refuses an intent in a state the journal does not know', () => {
    const db = new Database(':memory:');
    migrate(db, [m0001]);
    expect(() =>
      db
        .prepare("INSERT INTO product_intents (english_name, chinese_name, default_name, model_name, state, created_at, updated_at, created_by) VALUES ('a','b','c','d','maybe','t','t','u')")
        .run(),
    ).toThrow(/CHECK/);
  });

  it('keeps key versions unique per product and keys tied to a known product', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, [m0001]);
    db.prepare("INSERT INTO products (product_id, created_at, created_by, origin) VALUES (1, 't', 'u', 'recorded')").run();
    const ins = db.prepare("INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by) VALUES (?, 1, 'p', x'00', 'created', 'active', 't', 'u')");
    ins.run(1);
    expect(() => ins.run(1)).toThrow(/UNIQUE/);
    expect(() => ins.run(2)).toThrow(/FOREIGN KEY/);
  });

  it('is applied once: reopening a file database does not run it again', () => {
    const home = tmpDir();
    openDb(home).close();
    const db = openDb(home);
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(1);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });
});
