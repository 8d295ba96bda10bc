import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { SERVER_MIGRATIONS } from '../../../main/core/server/db/migrations/index.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';
import { addStation } from '../../helpers/server-fleet.js';

// Server schema 0010: a station's uplink taken up to a place in its outbox (one mark per station).

describe.each(STORES)('server migration 0010-uplink-marks on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it('gives stations enrolled before no mark (their first batch with places is checked against their receipts), and holds one per known station', async () => {
      const db = store();
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 9));
      await addStation(db, 'A1');
      await db.query("INSERT INTO uplink_receipts (station, row_id, version, received_at) VALUES ('A1', 1, 1, now())");
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 10));
      expect((await db.query('SELECT * FROM uplink_marks')).rows).toEqual([]);
      expect((await db.query('SELECT count(*)::int AS n FROM uplink_receipts')).rows[0].n).toBe(1);
      await db.query("INSERT INTO uplink_marks (station, seq, updated_at) VALUES ('A1', 0, now())");
      await expect(db.query("INSERT INTO uplink_marks (station, seq, updated_at) VALUES ('A1', 5, now())")).rejects.toMatchObject({ code: '23505' });
      await expect(db.query("INSERT INTO uplink_marks (station, seq, updated_at) VALUES ('ZZ', 0, now())")).rejects.toMatchObject({ code: '23503' });
      await expect(db.query("UPDATE uplink_marks SET seq = -1 WHERE station = 'A1'")).rejects.toMatchObject({ code: '23514' });
    });
  });
});
