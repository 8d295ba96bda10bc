import { describe, expect, it } from 'vitest';
import { addDevice, addProduct, dbAt, tables } from '../../helpers/db.js';

describe('migration 0003-devices', () => {
  it('adds devices and id_sequences, and products.id_template', () => {
    const db = dbAt(3);
    expect(tables(db)).toEqual(expect.arrayContaining(['devices', 'id_sequences']));
    const cols = (db.prepare('PRAGMA table_info(products)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).toContain('id_template');
  });

  it('keeps a device id unique per product, not across products', () => {
    const db = dbAt(3);
    addProduct(db, 1);
    addProduct(db, 2);
    addDevice(db, 1, 'D1');
    addDevice(db, 2, 'D1');
    expect(() => addDevice(db, 1, 'D1')).toThrow(/UNIQUE/);
  });

  it('refuses unknown statuses and devices of unknown products', () => {
    const db = dbAt(3);
    addProduct(db, 1);
    expect(() => addDevice(db, 1, 'D2', 'burned')).toThrow(/CHECK/);
    expect(() => addDevice(db, 9, 'D3')).toThrow(/FOREIGN KEY/);
  });

  it('has an index for every search the ledger serves', () => {
    const db = dbAt(3);
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' ');
    expect(plan("SELECT * FROM devices WHERE device_id = 'x'")).toMatch(/USING INDEX/);
    expect(plan("SELECT * FROM devices WHERE hwid = 'x'")).toMatch(/USING INDEX devices_hwid/);
    expect(plan("SELECT * FROM devices WHERE status = 'failed' ORDER BY created_at DESC, id DESC LIMIT 50")).toMatch(/devices_status_created/);
    expect(plan('SELECT * FROM devices ORDER BY created_at DESC, id DESC LIMIT 50')).toMatch(/devices_created/);
    expect(plan('SELECT * FROM devices WHERE product_id = 1 ORDER BY created_at DESC, id DESC LIMIT 50')).toMatch(/devices_product_created|sqlite_autoindex/);
  });
});
