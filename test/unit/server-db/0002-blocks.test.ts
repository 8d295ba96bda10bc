import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { s0001 } from '../../../main/core/server/db/migrations/0001-fleet.js';
import { s0002 } from '../../../main/core/server/db/migrations/0002-blocks.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';
import { T0, addProduct, addStation } from '../../helpers/server-fleet.js';

// Server schema 0002 (blocks, sign_requests, devices.block_id) on real PostgreSQL and PGlite.

const sqlState = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe.each(STORES)('server migration 0002-blocks on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);
    const migrated = async () => {
      const db = store();
      await migrateServerDb(db, [s0001, s0002]);
      await addStation(db, 'A1');
      await addStation(db, 'B2');
      await addProduct(db, 1001);
      return db;
    };
    const block = (db: ReturnType<typeof store>, station: string, requestId: string, product = 1001) =>
      db.query<{ id: number }>("INSERT INTO blocks (station, product_id, request_id, key_version, created_at) VALUES ($1, $2, $3, 1, $4::timestamptz) RETURNING id", [
        station,
        product,
        requestId,
        T0,
      ]);

    it('records blocks, one per station and request id, on a known station and product', async () => {
      const db = await migrated();
      expect((await db.query('SELECT version FROM schema_migrations ORDER BY version')).rows).toEqual([{ version: 1 }, { version: 2 }]);
      const b = (await block(db, 'A1', 'r-1')).rows[0].id;
      expect(await sqlState(block(db, 'A1', 'r-1'))).toBe('23505');
      await block(db, 'B2', 'r-1'); // another station's request ids are its own
      expect(await sqlState(block(db, 'Z9', 'r-2'))).toBe('23503');
      expect(await sqlState(block(db, 'A1', 'r-3', 7))).toBe('23503');
      expect(await sqlState(block(db, 'A1', ''))).toBe('23514');
      expect(await sqlState(db.query('UPDATE blocks SET first_seq = 10, last_seq = 9 WHERE id = $1', [b]))).toBe('23514');
      await db.query("UPDATE blocks SET count = 2, first_seq = 1, last_seq = 2, first_device_id = 'A1x1', last_device_id = 'A1x2' WHERE id = $1", [b]);
    });

    it('ties ids to their block and reads a block back in order', async () => {
      const db = await migrated();
      const b = (await block(db, 'A1', 'r-1')).rows[0].id;
      for (const id of ['A1000002', 'A1000001']) {
        await db.query("INSERT INTO devices (product_id, device_id, station, status, created_at, updated_at, block_id) VALUES (1001, $1, 'A1', 'allocated', $2::timestamptz, $2::timestamptz, $3)", [id, T0, b]);
      }
      expect(await sqlState(db.query("INSERT INTO devices (product_id, device_id, station, status, created_at, updated_at, block_id) VALUES (1001, 'X', 'A1', 'allocated', now(), now(), 999)"))).toBe('23503');
      expect((await db.query('SELECT device_id FROM devices WHERE block_id = $1 ORDER BY id', [b])).rows.map((r) => r.device_id)).toEqual(['A1000002', 'A1000001']);
    });

    it('keeps one online-signing request per station and request id, naming an id of the ledger', async () => {
      const db = await migrated();
      await db.query("INSERT INTO devices (product_id, device_id, station, status, created_at, updated_at) VALUES (1001, 'SN1', 'A1', 'allocated', now(), now())");
      const req = (station: string, id: string, device = 'SN1') => db.query('INSERT INTO sign_requests (station, request_id, product_id, device_id, created_at) VALUES ($1, $2, 1001, $3, now())', [station, id, device]);
      await req('A1', 'q1');
      expect(await sqlState(req('A1', 'q1'))).toBe('23505');
      expect(await sqlState(req('A1', 'q2', 'NOT-IN-LEDGER'))).toBe('23503');
      expect(await sqlState(req('A1', 'x'.repeat(129)))).toBe('23514');
    });
  });
});
