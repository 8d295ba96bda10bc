import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { addDevice, addProduct, dbAt } from '../../helpers/db.js';

type Db = ReturnType<typeof dbAt>;

const join = (db: Db) =>
  db
    .prepare(
      "INSERT INTO fleet_membership (id, server_url, fingerprint, server_cert_pem, station_code, credential_sealed, joined_at, joined_by) VALUES (1, 'https://s', ?, 'pem', 'A1', x'00', 't', 'u')",
    )
    .run('a'.repeat(64));

const addResult = (db: Db, result: string, deviceId: string | null, hwid: string | null, step: string, code: string | null, at = '2026-11-28T08:00:00.000Z') =>
  Number(
    db
      .prepare("INSERT INTO unit_results (at, station, port, product_id, result, device_id, hwid, step, code) VALUES (?, 'A1', 'p1', 1, ?, ?, ?, ?, ?)")
      .run(at, result, deviceId, hwid, step, code).lastInsertRowid,
  );

const uplink = (db: Db) =>
  (
    db.prepare('SELECT id, device_row, result_row, version, kind, payload, sent_at FROM fleet_uplink ORDER BY id').all() as {
      id: number;
      device_row: number | null;
      result_row: number | null;
      version: number;
      kind: string;
      payload: string;
      sent_at: string | null;
    }[]
  ).map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));

describe('migration 0014-results-uplink', () => {
  it('rebuilds the uplink keeping its rows (ids, versions, sent marks) and the 0011 triggers working', () => {
    const db = dbAt(13);
    addProduct(db, 1);
    join(db);
    const row = addDevice(db, 1, 'D1');
    db.prepare("UPDATE devices SET status = 'written', hwid = 'HW1', updated_at = 't2' WHERE id = ?").run(row);
    db.prepare("UPDATE fleet_uplink SET sent_at = 'ts' WHERE version = 1").run();
    const before = db.prepare('SELECT id, device_row, version, kind, payload, queued_at, sent_at FROM fleet_uplink ORDER BY id').all();
    migrate(db, MIGRATIONS.filter((m) => m.version <= 14));
    expect(db.pragma('user_version', { simple: true })).toBe(14);
    expect(db.prepare('SELECT id, device_row, version, kind, payload, queued_at, sent_at FROM fleet_uplink ORDER BY id').all()).toEqual(before);
    expect(db.pragma('legacy_alter_table', { simple: true })).toBe(0);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The ledger's triggers still queue into the rebuilt table, the version counter goes on.
    db.prepare("INSERT INTO unit_tests (device_row, test, result, detail, at, station, port) VALUES (?, 'push', 'PASS', 'ok', 't4', 'A1', 'p1')").run(row);
    db.prepare("UPDATE devices SET status = 'void', last_error = 'void: x', updated_at = 't5' WHERE id = ?").run(row);
    expect(uplink(db).map((r) => [r.device_row, r.result_row, r.version, r.kind])).toEqual([
      [row, null, 1, 'device'],
      [row, null, 2, 'device'],
      [row, null, 3, 'unit_test'],
      [row, null, 4, 'void'],
    ]);
    // The unsent index is back.
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'fleet_uplink'").pluck().all()).toContain('fleet_uplink_unsent');
  });

  it('queues every result of a joined station once, at version 1, under a negative row id that cannot meet a ledger row', () => {
    const db = dbAt(14);
    addProduct(db, 1);
    // Not joined: results stay on the station.
    addResult(db, 'PASS', null, 'HW0', 'record', null);
    expect(uplink(db)).toEqual([]);
    join(db);
    const dev = addDevice(db, 1, 'D1');
    const fail = addResult(db, 'FAIL', null, 'HW1', 'mes_check', 'MES_REJECTED', '2026-11-28T08:01:00.000Z');
    const pass = addResult(db, 'PASS', 'D1', 'HW2', 'record', null, '2026-11-28T08:02:00.000Z');
    const u = uplink(db);
    expect(u.map((r) => [r.device_row, r.result_row, r.version, r.kind])).toEqual([
      [dev, null, 1, 'device'],
      [null, fail, 1, 'result'],
      [null, pass, 1, 'result'],
    ]);
    expect(u[1].payload).toEqual({
      row_id: -fail,
      version: 1,
      kind: 'result',
      product_id: 1,
      result: 'FAIL',
      device_id: null,
      hwid: 'HW1',
      step: 'mes_check',
      code: 'MES_REJECTED',
      at: '2026-11-28T08:01:00.000Z',
      station: 'A1',
      port: 'p1',
    });
    expect(u[2].payload).toMatchObject({ row_id: -pass, version: 1, kind: 'result', result: 'PASS', device_id: 'D1', hwid: 'HW2', step: 'record', code: null });
    // A result's own row and version count is its own: no ledger row's counter moved.
    expect(db.prepare('SELECT version FROM fleet_row_versions WHERE device_row = ?').pluck().get(dev)).toBe(1);
    // Queued once, exactly one of the two rows, and only as a result.
    const q = db.prepare('INSERT INTO fleet_uplink (device_row, result_row, version, kind, payload, queued_at) VALUES (?, ?, ?, ?, ?, ?)');
    expect(() => q.run(null, fail, 1, 'result', '{}', 't')).toThrow(/UNIQUE/);
    expect(() => q.run(dev, fail, 2, 'result', '{}', 't')).toThrow(/CHECK/);
    expect(() => q.run(null, null, 1, 'result', '{}', 't')).toThrow(/CHECK/);
    expect(() => q.run(dev, null, 9, 'result', '{}', 't')).toThrow(/CHECK/);
    expect(() => q.run(null, 999, 1, 'result', '{}', 't')).toThrow(/FOREIGN KEY/);
    // A rolled-back result leaves no trace in the uplink.
    expect(() =>
      db.transaction(() => {
        addResult(db, 'PASS', null, 'HW3', 'record', null);
        throw new Error('crash');
      })(),
    ).toThrow('crash');
    expect(uplink(db)).toHaveLength(3);
  });
});
