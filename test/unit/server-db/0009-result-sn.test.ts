import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { SERVER_MIGRATIONS } from '../../../main/core/server/db/migrations/index.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';
import { addProduct } from '../../helpers/server-fleet.js';

// Server schema 0009: a station's result keeps the SN the station scanned.

describe.each(STORES)('server migration 0009-result-sn on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it('keeps the results, with no SN; takes one from then on', async () => {
      const db = store();
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 8));
      await addProduct(db, 1001);
      const add = (src: number, sn?: string) =>
        db.query(
          `INSERT INTO unit_results (station, src_row, product_id, at, port, result, hwid, step, received_at${sn === undefined ? '' : ', sn'})
           VALUES ('A1', $1, 1001, '2026-11-30T08:00:00Z', 'p1', 'FAIL', 'HW1', 'mes_check', now()${sn === undefined ? '' : ', $2'})`,
          sn === undefined ? [src] : [src, sn],
        );
      await add(1);
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 9));
      await add(2, 'SN-2');
      expect((await db.query('SELECT src_row, sn FROM unit_results ORDER BY src_row')).rows).toEqual([
        { src_row: 1, sn: null },
        { src_row: 2, sn: 'SN-2' },
      ]);
    });
  });
});
