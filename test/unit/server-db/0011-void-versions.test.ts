import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { SERVER_MIGRATIONS } from '../../../main/core/server/db/migrations/index.js';
import { buildDownlink } from '../../../main/core/server/fleet/downlink.js';
import type { ServerDb } from '../../../main/core/server/db/server-db.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';
import { addProduct, addStation } from '../../helpers/server-fleet.js';

// Server schema 0011: a ledger row's version is stamped when it is void, and only then.

const HOST = 'wx0123456789abcdef';
const add = (db: ServerDb, id: string, status = 'allocated') =>
  db.query<{ version: number }>(
    `INSERT INTO devices (product_id, device_id, station, status, void_reason, created_at, updated_at) VALUES (1001, $1, 'A1', $2, $3, now(), now()) RETURNING version`,
    [id, status, status === 'void' ? 'erased' : null],
  );

describe.each(STORES)('server migration 0011-void-versions on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it('stamps a row that is, or becomes, void, and leaves the version of any other row alone; the downlink still tells every void since', async () => {
      const db = store();
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 10));
      await addStation(db, 'A1');
      await addProduct(db, 1001);
      const before = (await add(db, 'OLD1')).rows[0].version;
      expect(before).toBeGreaterThan(0);
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 11));

      expect((await add(db, 'NEW1')).rows[0].version).toBe(0);
      const written = await db.query<{ version: number }>("UPDATE devices SET status = 'written' WHERE device_id = 'OLD1' RETURNING version");
      expect(written.rows[0].version).toBe(before);

      const since = (await buildDownlink(db, 'A1', { hostAppId: HOST })).version;
      const born = (await add(db, 'VOID1', 'void')).rows[0].version;
      const voided = (await db.query<{ version: number }>("UPDATE devices SET status = 'void', void_reason = 'erased' WHERE device_id = 'NEW1' RETURNING version")).rows[0].version;
      expect(born).toBeGreaterThanOrEqual(since);
      expect(voided).toBeGreaterThan(born);
      expect((await buildDownlink(db, 'A1', { hostAppId: HOST, since })).revoked.map((r) => r.device_id)).toEqual(['VOID1', 'NEW1']);
    });
  });
});
