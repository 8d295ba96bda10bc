import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { addDevice, addProduct, dbAt } from '../../helpers/db.js';

const indexes = (db: ReturnType<typeof dbAt>) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'devices' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
const plan = (db: ReturnType<typeof dbAt>, sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');

describe('migration 0007-devices-id-date-index', () => {
  it('replaces the device-id index with one on (device_id, created_at)', () => {
    expect(indexes(dbAt(6))).toContain('devices_device_id');
    const db = dbAt(7);
    expect(indexes(db)).toContain('devices_device_id_created');
    expect(indexes(db)).not.toContain('devices_device_id');
    const cols = (db.prepare("PRAGMA index_info('devices_device_id_created')").all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(['device_id', 'created_at']);
  });

  it('still serves exact and prefix device-id lookups, and a prefix page from the index alone', () => {
    const db = dbAt(7);
    expect(plan(db, "SELECT * FROM devices WHERE device_id = 'x'")).toMatch(/USING INDEX devices_device_id_created \(device_id=\?\)/);
    expect(plan(db, "SELECT * FROM devices WHERE device_id >= 'A' AND device_id < 'A\x7f'")).toMatch(/devices_device_id_created \(device_id>\? AND device_id<\?\)/);
    expect(plan(db, "SELECT id FROM devices WHERE device_id >= 'A' AND device_id < 'B' ORDER BY created_at DESC, id DESC LIMIT 51")).toMatch(
      /COVERING INDEX devices_device_id_created/,
    );
  });

  it('applies to a ledger that already has rows, and indexes them', () => {
    const db = dbAt(6);
    addProduct(db, 1);
    for (let i = 0; i < 50; i++) addDevice(db, 1, `D${String(i).padStart(2, '0')}`);
    const before = db.prepare('SELECT * FROM devices ORDER BY id').all();
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
    expect(db.prepare('SELECT * FROM devices ORDER BY id').all()).toEqual(before);
    const viaIndex = db.prepare("SELECT device_id FROM devices INDEXED BY devices_device_id_created WHERE device_id >= 'D1' AND device_id < 'D2'").pluck().all();
    expect(viaIndex).toEqual(['D10', 'D11', 'D12', 'D13', 'D14', 'D15', 'D16', 'D17', 'D18', 'D19']);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
