import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { addDevice, addProduct, dbAt, tables } from '../../helpers/db.js';

const join = (db: ReturnType<typeof dbAt>) =>
  db
    .prepare(
      "INSERT INTO fleet_membership (id, server_url, fingerprint, server_cert_pem, station_code, credential_sealed, joined_at, joined_by) VALUES (1, 'https://s', ?, 'pem', 'A1', x'00', 't', 'u')",
    )
    .run('a'.repeat(64));

const uplink = (db: ReturnType<typeof dbAt>) =>
  (db.prepare('SELECT device_row, version, kind, payload, sent_at FROM fleet_uplink ORDER BY id').all() as { device_row: number; version: number; kind: string; payload: string; sent_at: string | null }[]).map(
    (r) => ({ ...r, payload: JSON.parse(r.payload) }),
  );

describe('migration 0011-fleet', () => {
  it('adds the fleet tables to a ledger with devices, queuing nothing for a station that never joined', () => {
    const db = dbAt(10);
    addProduct(db, 1);
    const row = addDevice(db, 1, 'D1');
    migrate(db, MIGRATIONS.filter((m) => m.version <= 11));
    expect(db.pragma('user_version', { simple: true })).toBe(11);
    expect(tables(db)).toEqual(
      expect.arrayContaining(['fleet_membership', 'fleet_downlink', 'fleet_revoked', 'fleet_keys', 'fleet_block_requests', 'fleet_blocks', 'fleet_ids', 'fleet_row_versions', 'fleet_uplink', 'fleet_conflicts']),
    );
    db.prepare("UPDATE devices SET status = 'verified' WHERE id = ?").run(row);
    addDevice(db, 1, 'D2');
    expect(uplink(db)).toEqual([]);
  });

  it('one membership, a 64-hex fingerprint; an id is used exactly when it has its ledger row', () => {
    const db = dbAt(11);
    join(db);
    expect(() => join(db)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() =>
      db.prepare("INSERT INTO fleet_membership (id, server_url, fingerprint, server_cert_pem, station_code, credential_sealed, joined_at, joined_by) VALUES (2, 's', 'ab', 'p', 'A', x'00', 't', 'u')").run(),
    ).toThrow(/CHECK/);
    addProduct(db, 1);
    db.prepare("INSERT INTO fleet_blocks (block_id, product_id, key_version, request_id, size, received_at) VALUES ('b1', 1, 1, 'r1', 2, 't')").run();
    const id = db.prepare("INSERT INTO fleet_ids (block_id, product_id, key_version, device_id, signature, state, device_row) VALUES ('b1', 1, 1, ?, 'sig', ?, ?)");
    id.run('X1', 'unused', null);
    expect(() => id.run('X1', 'unused', null)).toThrow(/UNIQUE/);
    expect(() => id.run('X2', 'used', null)).toThrow(/CHECK/);
    expect(() => id.run('X3', 'spare', null)).toThrow(/CHECK/);
  });

  it('on a joined station every ledger change is queued with the row as it was, one version counter per row across kinds', () => {
    const db = dbAt(11);
    addProduct(db, 1);
    join(db);
    const row = addDevice(db, 1, 'D1');
    db.prepare("UPDATE devices SET status = 'written', hwid = 'HW1', updated_at = 't2' WHERE id = ?").run(row);
    // A change the uplink does not carry (the local registration time) queues nothing.
    db.prepare("UPDATE devices SET synced_at = 't3' WHERE id = ?").run(row);
    db.prepare("INSERT INTO unit_tests (device_row, test, result, detail, at, station, port) VALUES (?, 'push', 'PASS', 'ok', 't4', 'A1', 'p1')").run(row);
    db.prepare("UPDATE devices SET status = 'void', last_error = 'void: broken', updated_at = 't5' WHERE id = ?").run(row);
    const u = uplink(db);
    expect(u.map((r) => [r.device_row, r.version, r.kind, r.sent_at])).toEqual([
      [row, 1, 'device', null],
      [row, 2, 'device', null],
      [row, 3, 'unit_test', null],
      [row, 4, 'void', null],
    ]);
    expect(u[0].payload).toMatchObject({ row_id: row, version: 1, kind: 'device', product_id: 1, device_id: 'D1', status: 'allocated', hwid: null, station: 'A1' });
    expect(u[1].payload).toMatchObject({ version: 2, status: 'written', hwid: 'HW1', updated_at: 't2' });
    expect(u[2].payload).toMatchObject({ version: 3, kind: 'unit_test', status: 'written', test: { test: 'push', result: 'PASS', detail: 'ok', at: 't4', port: 'p1' } });
    expect(u[3].payload).toMatchObject({ version: 4, kind: 'void', status: 'void', last_error: 'void: broken' });
    expect(db.prepare('SELECT version FROM fleet_row_versions WHERE device_row = ?').pluck().get(row)).toBe(4);
    // A rolled-back change leaves no trace in the uplink either.
    expect(() =>
      db.transaction(() => {
        addDevice(db, 1, 'D2');
        throw new Error('crash');
      })(),
    ).toThrow('crash');
    expect(uplink(db)).toHaveLength(4);
    expect(() => db.prepare('INSERT INTO fleet_uplink (device_row, version, kind, payload, queued_at) VALUES (?, 1, ?, ?, ?)').run(row, 'device', '{}', 't')).toThrow(/UNIQUE/);
  });
});
