import { describe, expect, it } from 'vitest';
import { addDevice, addProduct, dbAt, tables } from '../../helpers/db.js';

describe('migration 0004-outbox', () => {
  it('adds the outbox and a single sync_state row', () => {
    const db = dbAt(4);
    expect(tables(db)).toEqual(expect.arrayContaining(['outbox', 'sync_state']));
    expect(db.prepare('SELECT COUNT(*) AS n FROM sync_state').get()).toEqual({ n: 1 });
    expect(() => db.prepare('INSERT INTO sync_state (id) VALUES (2)').run()).toThrow(/CHECK/);
  });

  it('queues a device at most once and only a device that exists', () => {
    const db = dbAt(4);
    addProduct(db, 1);
    const row = addDevice(db, 1, 'D1');
    const q = db.prepare("INSERT INTO outbox (device_row, product_id, device_id, state, created_at) VALUES (?, 1, 'D1', 'pending', 't')");
    q.run(row);
    expect(() => q.run(row)).toThrow(/UNIQUE/);
    expect(() => q.run(999)).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("UPDATE outbox SET state = 'sending'").run()).toThrow(/CHECK/);
  });
});
