import { describe, expect, it } from 'vitest';
import { dbAt, tables } from '../../helpers/db.js';

describe('migration 0002-settings', () => {
  it('adds the settings table with one value per key', () => {
    const before = dbAt(1);
    expect(tables(before)).not.toContain('settings');
    const db = dbAt(2);
    expect(tables(db)).toContain('settings');
    const ins = db.prepare("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('station_code', ?, 't', 'u')");
    ins.run('A1');
    expect(() => ins.run('B2')).toThrow(/UNIQUE|PRIMARY KEY/);
  });
});
