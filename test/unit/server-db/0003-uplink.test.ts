import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { s0001 } from '../../../main/core/server/db/migrations/0001-fleet.js';
import { s0002 } from '../../../main/core/server/db/migrations/0002-blocks.js';
import { s0003 } from '../../../main/core/server/db/migrations/0003-uplink.js';
import type { ServerDb } from '../../../main/core/server/db/server-db.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';
import { addProduct, addStation } from '../../helpers/server-fleet.js';

// Server schema 0003 (uplink receipts, the ledger's source version, unit tests, conflicts) on
// real PostgreSQL and PGlite.

const sqlState = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

const conflict = (db: ServerDb, o: Record<string, unknown>) =>
  db.query(
    `INSERT INTO conflicts (kind, key, product_id, device_id, hwid, station, other_product_id, other_device_id, other_hwid, other_station, first_seen, last_seen)
     VALUES ($1, $2, $3, $4, $5, 'A1', $6, $7, $8, 'B2', now(), now()) RETURNING id, version`,
    [o.kind as string, o.key as string, 1001, (o.device as string) ?? 'D1', (o.hwid as string) ?? 'H1', 1001, (o.other_device as string) ?? 'D1', (o.other_hwid as string) ?? 'H2'],
  );

describe.each(STORES)('server migration 0003-uplink on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);
    const migrated = async () => {
      const db = store();
      await migrateServerDb(db, [s0001, s0002, s0003]);
      await addStation(db, 'A1');
      await addProduct(db, 1001);
      return db;
    };

    it('takes each (station, row, version) once', async () => {
      const db = await migrated();
      const receipt = (station: string, row: number, version: number) =>
        db.query('INSERT INTO uplink_receipts (station, row_id, version, received_at) VALUES ($1, $2, $3, now()) ON CONFLICT DO NOTHING RETURNING row_id', [station, row, version]);
      expect((await receipt('A1', 7, 1)).rowCount).toBe(1);
      expect((await receipt('A1', 7, 1)).rowCount).toBe(0);
      expect((await receipt('A1', 7, 2)).rowCount).toBe(1);
      expect((await receipt('B2', 7, 1)).rowCount).toBe(1);
      expect(await sqlState(receipt('A1', 0, 1))).toBe('23514');
    });

    it('keeps the source row and version on the ledger row, and push tests of ledger ids only', async () => {
      const db = await migrated();
      await db.query("INSERT INTO devices (product_id, device_id, station, status, created_at, updated_at, src_row, src_version, reported_at) VALUES (1001, 'D1', 'A1', 'verified', now(), now(), 5, 3, now())");
      const test = (id: string, result = 'PASS') =>
        db.query("INSERT INTO unit_tests (product_id, device_id, station, hwid, test, result, at, received_at) VALUES (1001, $1, 'A1', 'H1', 'push', $2, now(), now())", [id, result]);
      await test('D1');
      expect(await sqlState(test('D1', 'MAYBE'))).toBe('23514');
      expect(await sqlState(test('NOPE'))).toBe('23503');
      expect((await db.query('SELECT src_row, src_version FROM devices')).rows).toEqual([{ src_row: 5, src_version: 3 }]);
    });

    it('records a conflict once per pair, each kind with its shape, stamped for the downlink', async () => {
      const db = await migrated();
      const c = (await conflict(db, { kind: 'id_two_units', key: 'k1' })).rows[0];
      expect(c.version).toBeGreaterThan(0);
      expect(await sqlState(conflict(db, { kind: 'id_two_units', key: 'k1' }))).toBe('23505');
      // an id on two units names one id and two hwids
      expect(await sqlState(conflict(db, { kind: 'id_two_units', key: 'k2', other_device: 'D2' }))).toBe('23514');
      expect(await sqlState(conflict(db, { kind: 'id_two_units', key: 'k3', other_hwid: 'H1' }))).toBe('23514');
      // a unit on two ids names one hwid and two ids
      await conflict(db, { kind: 'hwid_two_ids', key: 'k4', other_device: 'D2', other_hwid: 'H1' });
      expect(await sqlState(conflict(db, { kind: 'hwid_two_ids', key: 'k5', other_hwid: 'H1' }))).toBe('23514');
      expect(await sqlState(conflict(db, { kind: 'merged', key: 'k6' }))).toBe('23514');
      // seeing it again is not news: the stamp stays
      await db.query("UPDATE conflicts SET seen = seen + 1, last_seen = now() WHERE key = 'k1'");
      expect((await db.query("SELECT version, seen FROM conflicts WHERE key = 'k1'")).rows).toEqual([{ version: c.version, seen: 2 }]);
    });
  });
});
