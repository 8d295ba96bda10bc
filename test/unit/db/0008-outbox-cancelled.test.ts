import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { addDevice, addProduct, dbAt } from '../../helpers/db.js';

describe('migration 0008-outbox-cancelled', () => {
  it('keeps every outbox row and its id, and allows the cancelled state from then on', () => {
    const db = dbAt(7);
    addProduct(db, 1);
    const a = addDevice(db, 1, 'A');
    const b = addDevice(db, 1, 'B');
    db.prepare("INSERT INTO outbox (id, device_row, product_id, device_id, state, attempts, created_at) VALUES (7, ?, 1, 'A', 'pending', 2, 't')").run(a);
    db.prepare("INSERT INTO outbox (id, device_row, product_id, device_id, state, created_at, synced_at) VALUES (9, ?, 1, 'B', 'synced', 't', 's')").run(b);
    expect(() => db.prepare("UPDATE outbox SET state = 'cancelled' WHERE id = 7").run()).toThrow(/CHECK/);

    migrate(db, MIGRATIONS.filter((m) => m.version <= 8)); // 7 → 8 over the rows above
    expect(db.pragma('user_version', { simple: true })).toBe(8);
    expect(db.prepare('SELECT id, device_row, device_id, state, attempts, synced_at FROM outbox ORDER BY id').all()).toEqual([
      { id: 7, device_row: a, device_id: 'A', state: 'pending', attempts: 2, synced_at: null },
      { id: 9, device_row: b, device_id: 'B', state: 'synced', attempts: 0, synced_at: 's' },
    ]);
    db.prepare("UPDATE outbox SET state = 'cancelled' WHERE id = 7").run();
    expect(() => db.prepare("UPDATE outbox SET state = 'gone' WHERE id = 7").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO outbox (device_row, product_id, device_id, state, created_at) VALUES (?, 1, 'A', 'pending', 't')").run(a)).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO outbox (device_row, product_id, device_id, state, created_at) VALUES (999, 1, 'Z', 'pending', 't')").run()).toThrow(/FOREIGN KEY/);
    expect(db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' AND name = 'outbox_state'").get()).toBeDefined();
  });
});
