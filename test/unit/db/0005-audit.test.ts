import { describe, expect, it } from 'vitest';
import { addDevice, addProduct, dbAt } from '../../helpers/db.js';

describe('migration 0005-audit', () => {
  it('records every device insert, status change and first sync, with who and where', () => {
    const db = dbAt(5);
    addProduct(db, 1);
    const id = addDevice(db, 1, 'D1');
    db.prepare("UPDATE devices SET status = 'written', updated_at = 't2', operator = 'alice', port = '/dev/ttyUSB0' WHERE id = ?").run(id);
    db.prepare("UPDATE devices SET status = 'written', updated_at = 't3' WHERE id = ?").run(id); // no change: no row
    db.prepare("UPDATE devices SET synced_at = 't4' WHERE id = ?").run(id);
    db.prepare("UPDATE devices SET synced_at = 't5' WHERE id = ?").run(id); // already synced: no row
    const rows = db.prepare('SELECT at, actor, station, port, device_id, action, from_state, to_state FROM audit ORDER BY id').all();
    expect(rows).toEqual([
      { at: '2026-01-01T00:00:00Z', actor: 'op', station: 'A1', port: null, device_id: 'D1', action: 'allocate', from_state: null, to_state: 'allocated' },
      { at: 't2', actor: 'alice', station: 'A1', port: '/dev/ttyUSB0', device_id: 'D1', action: 'status', from_state: 'allocated', to_state: 'written' },
      { at: 't4', actor: 'sync', station: 'A1', port: null, device_id: 'D1', action: 'synced', from_state: null, to_state: null },
    ]);
  });

  it('is append-only', () => {
    const db = dbAt(5);
    addProduct(db, 1);
    addDevice(db, 1, 'D1');
    expect(() => db.prepare("UPDATE audit SET actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
  });
});
