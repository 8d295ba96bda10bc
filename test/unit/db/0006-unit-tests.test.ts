import { describe, expect, it } from 'vitest';
import { addDevice, addProduct, dbAt, tables } from '../../helpers/db.js';

describe('migration 0006-unit-tests', () => {
  it('records test results beside an existing unit, PASS or FAIL only', () => {
    expect(tables(dbAt(5))).not.toContain('unit_tests');
    const db = dbAt(6);
    addProduct(db, 1);
    const row = addDevice(db, 1, 'D1');
    const ins = db.prepare("INSERT INTO unit_tests (device_row, test, result, detail, at) VALUES (?, 'push', ?, NULL, 't')");
    ins.run(row, 'PASS');
    expect(() => ins.run(row, 'MAYBE')).toThrow(/CHECK/);
    expect(() => ins.run(999, 'PASS')).toThrow(/FOREIGN KEY/);
  });
});
