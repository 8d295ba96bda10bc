import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { s0001 } from '../../../main/core/server/db/migrations/0001-fleet.js';
import { s0002 } from '../../../main/core/server/db/migrations/0002-blocks.js';
import { s0003 } from '../../../main/core/server/db/migrations/0003-uplink.js';
import { s0004 } from '../../../main/core/server/db/migrations/0004-snapshot-versions.js';
import { buildDownlink } from '../../../main/core/server/fleet/downlink.js';
import type { ServerDb } from '../../../main/core/server/db/server-db.js';
import { createTestDatabase, pgSkip } from '../../helpers/pg.js';
import { openPostgres } from '../../../main/core/server/db/postgres.js';
import { nullLogger } from '../../../main/core/log/logger.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';
import { addProduct, addStation } from '../../helpers/server-fleet.js';

// Server schema 0004: changes are stamped with their transaction's id, offset past every
// sequence stamp before it, and a downlink's version is the oldest transaction still running,
// so a change that commits late is never skipped.

const voidDevice = (q: { query: ServerDb['query'] }, id: string) =>
  q.query<{ version: number }>("INSERT INTO devices (product_id, device_id, station, status, void_reason, created_at, updated_at) VALUES (1001, $1, 'A1', 'void', 'erased', now(), now()) RETURNING version", [id]);

const HOST = 'wx0123456789abcdef';

describe.each(STORES)('server migration 0004-snapshot-versions on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it("stamps every new change past every stamp the sequence gave before, and a station's old version still finds them", async () => {
      const db = store();
      await migrateServerDb(db, [s0001, s0002, s0003]);
      await addStation(db, 'A1');
      await addProduct(db, 1001);
      const old = (await voidDevice(db, 'OLD1')).rows[0].version;
      // What the downlink answered before this migration: the sequence's last value.
      const before = (await db.query<{ v: number }>('SELECT last_value AS v FROM fleet_version')).rows[0].v;
      expect(before).toBe(old);
      await migrateServerDb(db, [s0001, s0002, s0003, s0004]);
      const fresh = (await voidDevice(db, 'NEW1')).rows[0].version;
      expect(fresh).toBeGreaterThan(old);
      // A station that last heard version `before.version` (sequence-based) hears of the new void.
      const d = await buildDownlink(db, 'A1', { hostAppId: HOST, since: before + 1 });
      expect(d.revoked.map((r) => r.device_id)).toEqual(['NEW1']);
      // The version is at most the oldest transaction still running anywhere in the cluster (other
      // tests' included), so it may stay at or below this change's stamp: then the change is sent
      // again, never skipped. What was stamped before the migration is never sent again.
      expect(d.version).toBeGreaterThan(old);
      const again = (await buildDownlink(db, 'A1', { hostAppId: HOST, since: d.version })).revoked.map((r) => r.device_id);
      expect(again).not.toContain('OLD1');
      expect(again.length === 0 || (again.length === 1 && again[0] === 'NEW1' && d.version <= fresh)).toBe(true);
    });

    it('stamps the changes of one transaction alike, and later transactions higher', async () => {
      const db = store();
      await migrateServerDb(db, [s0001, s0002, s0003, s0004]);
      await addStation(db, 'A1');
      await addProduct(db, 1001);
      const [a, b] = await db.transaction(async (tx) => [(await voidDevice(tx, 'T1')).rows[0].version, (await voidDevice(tx, 'T2')).rows[0].version]);
      expect(a).toBe(b);
      expect((await voidDevice(db, 'T3')).rows[0].version).toBeGreaterThan(a);
    });
  });
});

describe.skipIf(pgSkip)('a downlink beside a transaction that commits late (real PostgreSQL)', () => {
  it('sends the late change with the next downlink: its version never passes a transaction still running', async () => {
    const database = await createTestDatabase();
    const db = await openPostgres(database.url, { log: nullLogger, max: 4 });
    const late = new pg.Client({ connectionString: database.url });
    try {
      await migrateServerDb(db);
      await addStation(db, 'A1');
      await addProduct(db, 1001);
      await late.connect();
      // The late transaction writes first (its stamp is the lower one) and commits last.
      await late.query('BEGIN');
      await voidDevice(late, 'LATE');
      await voidDevice(db, 'EARLY');
      const first = await buildDownlink(db, 'A1', { hostAppId: HOST });
      expect(first.revoked.map((r) => r.device_id)).toEqual(['EARLY']);
      await late.query('COMMIT');
      const next = await buildDownlink(db, 'A1', { hostAppId: HOST, since: first.version });
      // With the sequence's last value as the version, LATE was stamped below it: never sent.
      expect(next.revoked.map((r) => r.device_id)).toContain('LATE');
      const after = await buildDownlink(db, 'A1', { hostAppId: HOST, since: next.version });
      expect(after.revoked).toEqual([]);
    } finally {
      await late.end().catch(() => {});
      await db.close();
      await database.drop();
    }
  });
});
