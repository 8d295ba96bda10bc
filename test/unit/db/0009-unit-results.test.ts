import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { addDevice, addProduct, dbAt, tables } from '../../helpers/db.js';

const plan = (db: ReturnType<typeof dbAt>, sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');

describe('migration 0009-unit-results', () => {
  it('adds a results table over a ledger that has rows, PASS / FAIL / EXISTING only, a FAIL without a device id allowed', () => {
    const db = dbAt(8);
    expect(tables(db)).not.toContain('unit_results');
    addProduct(db, 1);
    addDevice(db, 1, 'D1');
    const before = db.prepare('SELECT * FROM devices').all();
    migrate(db, MIGRATIONS.filter((m) => m.version <= 9));
    expect(db.pragma('user_version', { simple: true })).toBe(9);
    expect(db.prepare('SELECT * FROM devices').all()).toEqual(before);

    const ins = db.prepare("INSERT INTO unit_results (at, station, port, product_id, result, device_id, hwid, step, code) VALUES ('2026-11-28T08:00:00.000Z', 'A1', '/dev/ttyUSB0', 1, ?, ?, NULL, 'hello', NULL)");
    ins.run('FAIL', null);
    ins.run('EXISTING', 'D1');
    ins.run('PASS', 'D1');
    expect(() => ins.run('MAYBE', null)).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO unit_results (at, port, product_id, result) VALUES ('t', 'p', 1, 'PASS')").run()).toThrow(/NOT NULL/);
  });

  it("counts a day's results from the index alone", () => {
    const db = dbAt(9);
    expect(plan(db, "SELECT result, COUNT(*) FROM unit_results WHERE at >= 'a' AND at < 'b' AND station = 'A1' GROUP BY result")).toMatch(/COVERING INDEX unit_results_at \(at>\? AND at<\?\)/);
  });
});
