import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { s0001 } from '../../../main/core/server/db/migrations/0001-fleet.js';
import type { ServerDb } from '../../../main/core/server/db/server-db.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';

// Server schema 0001 on real PostgreSQL and on PGlite: the tables, and the ledger's rules the
// schema itself enforces (not only the code), and values read back the same from both drivers.

const T = '2026-11-30T08:00:00.000Z';

async function station(db: ServerDb, code: string, state = 'joined'): Promise<void> {
  await db.query(
    `INSERT INTO stations (code, state, enrol_code_hash, enrol_expires_at, credential_hash, enrolled_at, enrolled_by, joined_at)
     VALUES ($1, $2, $3, $4::timestamptz, $5, $4::timestamptz, 'admin', $6::timestamptz)`,
    [code, state, state === 'enrolled' ? 'a'.repeat(64) : null, T, state === 'joined' ? code.toLowerCase().padEnd(64, '0').replace(/[^0-9a-f]/g, 'b') : null, state === 'joined' ? T : null],
  );
}

async function product(db: ServerDb, id = 1001): Promise<void> {
  await db.query("INSERT INTO products (product_id, model_name, origin, created_at, created_by) VALUES ($1, 'M1', 'recorded', $2::timestamptz, 'admin')", [id, T]);
}

async function device(db: ServerDb, deviceId: string, o: { product?: number; station?: string; status?: string; reason?: string | null } = {}) {
  return db.query<{ id: number; version: number }>(
    `INSERT INTO devices (product_id, device_id, station, status, created_at, updated_at, void_reason) VALUES ($1, $2, $3, $4, $5::timestamptz, $5::timestamptz, $6) RETURNING id, version`,
    [o.product ?? 1001, deviceId, o.station ?? 'A1', o.status ?? 'allocated', T, o.reason ?? null],
  );
}

const sqlState = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe.each(STORES)('server migration 0001-fleet on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);
    const migrated = async () => {
      const db = store();
      await migrateServerDb(db, [s0001]);
      return db;
    };

    it('creates the fleet tables and records version 1', async () => {
      const db = await migrated();
      const tables = (await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t);
      expect(tables).toEqual(
        ['audit', 'devices', 'id_sequences', 'product_apps', 'product_intents', 'product_keys', 'products', 'registrations', 'schema_migrations', 'settings', 'stations'].sort(),
      );
      expect((await db.query('SELECT version, name FROM schema_migrations')).rows).toEqual([{ version: 1, name: 'fleet' }]);
    });

    it('reads values back the same from both drivers: bigint as a number, times as UTC ISO, bytea as a Buffer, jsonb parsed', async () => {
      const db = await migrated();
      await db.query("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('x', $1::jsonb, $2::timestamptz, 'admin')", [JSON.stringify({ a: [1, 'two'] }), '2026-11-30T16:26:55.018+08:00']);
      const s = (await db.query('SELECT value, updated_at FROM settings')).rows[0];
      expect(s).toEqual({ value: { a: [1, 'two'] }, updated_at: '2026-11-30T08:26:55.018Z' });
      await product(db, 9_007_199_254_740_991);
      expect((await db.query('SELECT product_id FROM products')).rows[0]).toEqual({ product_id: 9_007_199_254_740_991 });
      const blob = Buffer.from('WXS:env1:\x00\xff', 'latin1');
      await db.query(
        "INSERT INTO product_keys (product_id, public_key_pem, sealed_private_key, origin, state, created_at, created_by) VALUES ($1, '-----BEGIN PUBLIC KEY-----x', $2, 'created', 'registering', $3::timestamptz, 'admin')",
        [9_007_199_254_740_991, blob, T],
      );
      const k = (await db.query<{ sealed_private_key: Buffer; d: string }>("SELECT sealed_private_key, DATE '2026-11-30' AS d FROM product_keys")).rows[0];
      expect(Buffer.isBuffer(k.sealed_private_key)).toBe(true);
      expect(k.sealed_private_key.equals(blob)).toBe(true);
      expect(k.d).toBe('2026-11-30');
    });

    it('keeps station codes to 1-8 letters or digits, unique ignoring case, and each state with what it needs', async () => {
      const db = await migrated();
      await station(db, 'A1');
      expect(await sqlState(station(db, 'a1'))).toBe('23505');
      expect(await sqlState(station(db, 'TOO-LONG'))).toBe('23514');
      expect(await sqlState(station(db, 'B 1'))).toBe('23514');
      // enrolled without an enrolment code, joined without a credential: refused
      expect(await sqlState(db.query("INSERT INTO stations (code, state, enrolled_at, enrolled_by) VALUES ('C1', 'enrolled', now(), 'a')"))).toBe('23514');
      expect(await sqlState(db.query("INSERT INTO stations (code, state, enrolled_at, enrolled_by, joined_at) VALUES ('C2', 'joined', now(), 'a', now())"))).toBe('23514');
      expect(await sqlState(db.query("INSERT INTO stations (code, state, enrolled_at, enrolled_by) VALUES ('C3', 'gone', now(), 'a')"))).toBe('23514');
      // one station waits for one enrolment code
      await station(db, 'E1', 'enrolled');
      expect(await sqlState(station(db, 'E2', 'enrolled'))).toBe('23505');
    });

    it('holds device ids to the platform rule, unique per product, on a known product and station; a void row has its reason', async () => {
      const db = await migrated();
      await station(db, 'A1');
      await product(db, 1001);
      await product(db, 1002);
      await device(db, 'A1261130000001');
      expect(await sqlState(device(db, 'A1261130000001'))).toBe('23505');
      await device(db, 'A1261130000001', { product: 1002 });
      expect(await sqlState(device(db, 'bad id'))).toBe('23514');
      expect(await sqlState(device(db, 'x'.repeat(129)))).toBe('23514');
      expect(await sqlState(device(db, 'D2', { station: 'Z9' }))).toBe('23503');
      expect(await sqlState(device(db, 'D3', { product: 7 }))).toBe('23503');
      expect(await sqlState(device(db, 'D4', { status: 'void' }))).toBe('23514');
      await device(db, 'D5', { status: 'void', reason: 'erased' });
      // a prefix search by id can use the index (COLLATE "C")
      expect((await db.query("SELECT device_id FROM devices WHERE device_id LIKE 'A1%' ORDER BY product_id")).rows).toHaveLength(2);
    });

    it('stores private keys only sealed, and lets one key per product wait for registration', async () => {
      const db = await migrated();
      await product(db);
      const key = (sealed: Buffer, state = 'registering', version: number | null = null) =>
        db.query(
          "INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by) VALUES (1001, $1, '-----BEGIN PUBLIC KEY-----\nx', $2, 'created', $3, now(), 'a')",
          [version, sealed, state],
        );
      expect(await sqlState(key(Buffer.from('-----BEGIN PRIVATE KEY-----\nMIG...')))).toBe('23514');
      await key(Buffer.from('WXS:env1:sealed'));
      expect(await sqlState(key(Buffer.from('WXS:env1:another')))).toBe('23505');
      expect(await sqlState(key(Buffer.from('WXS:env1:x'), 'active', null))).toBe('23514');
      await key(Buffer.from('WXS:env1:y'), 'active', 1);
      expect(await sqlState(key(Buffer.from('WXS:env1:z'), 'active', 1))).toBe('23505');
    });

    it('queues registrations only for ledger rows, in known states, one per id', async () => {
      const db = await migrated();
      await station(db, 'A1');
      await product(db);
      await device(db, 'R1');
      const reg = (id: string, state = 'pending') =>
        db.query('INSERT INTO registrations (product_id, device_id, state, created_at, updated_at) VALUES (1001, $1, $2, now(), now())', [id, state]);
      await reg('R1');
      expect(await sqlState(reg('R1'))).toBe('23505');
      expect(await sqlState(reg('NOT-IN-LEDGER'))).toBe('23503');
      await device(db, 'R2');
      expect(await sqlState(reg('R2', 'sending'))).toBe('23514');
      expect(await sqlState(reg('R2', 'synced'))).toBe('23514'); // synced needs synced_at
      // a worker claims pending rows without waiting for another worker's
      const claimed = await db.transaction((tx) => tx.query("SELECT device_id FROM registrations WHERE state = 'pending' ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 10"));
      expect(claimed.rows).toEqual([{ device_id: 'R1' }]);
    });

    it('stamps every change a downlink reports with a rising fleet version (a station contact is not one)', async () => {
      const db = await migrated();
      await station(db, 'A1');
      await product(db);
      const v0 = (await db.query<{ version: number }>('SELECT version FROM products')).rows[0].version;
      const d = (await device(db, 'V1')).rows[0];
      expect(d.version).toBeGreaterThan(v0);
      await db.query("UPDATE devices SET status = 'written' WHERE id = $1", [d.id]);
      const after = (await db.query<{ version: number }>('SELECT version FROM devices WHERE id = $1', [d.id])).rows[0].version;
      expect(after).toBeGreaterThan(d.version);
      const s0 = (await db.query<{ version: number }>("SELECT version FROM stations WHERE code = 'A1'")).rows[0].version;
      await db.query("UPDATE stations SET last_contact = now() WHERE code = 'A1'");
      expect((await db.query<{ version: number }>("SELECT version FROM stations WHERE code = 'A1'")).rows[0].version).toBe(s0);
      await db.query(`UPDATE stations SET settings = '{"x": 1}'::jsonb WHERE code = 'A1'`);
      expect((await db.query<{ version: number }>("SELECT version FROM stations WHERE code = 'A1'")).rows[0].version).toBeGreaterThan(after);
    });

    it('keeps the audit log append-only: no update, delete or truncate', async () => {
      const db = await migrated();
      await db.query("INSERT INTO audit (at, actor, action, detail) VALUES (now(), 'admin', 'station.enroll', '{}'::jsonb)");
      for (const sql of ["UPDATE audit SET actor = 'someone else'", 'DELETE FROM audit', 'TRUNCATE audit']) {
        await expect(db.query(sql), sql).rejects.toThrow(/append-only/);
      }
      expect((await db.query('SELECT actor FROM audit')).rows).toEqual([{ actor: 'admin' }]);
    });
  });
});
