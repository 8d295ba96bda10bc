import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { SERVER_MIGRATIONS } from '../../../main/core/server/db/migrations/index.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';
import { addProduct } from '../../helpers/server-fleet.js';

// Server schema 0007: the stations' results logs (yield), one row per (station, src_row); the
// receipts take a result's negative row id.

describe.each(STORES)('server migration 0007-unit-results on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it('keeps the receipts, takes negative row ids (results) but not 0, and one result per station row', async () => {
      const db = store();
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 6));
      await db.query("INSERT INTO uplink_receipts (station, row_id, version, received_at) VALUES ('A1', 5, 1, now())");
      await expect(db.query("INSERT INTO uplink_receipts (station, row_id, version, received_at) VALUES ('A1', -5, 1, now())")).rejects.toThrow();
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 7));
      expect((await db.query<{ row_id: number }>('SELECT row_id FROM uplink_receipts')).rows).toEqual([{ row_id: 5 }]);
      await db.query("INSERT INTO uplink_receipts (station, row_id, version, received_at) VALUES ('A1', -5, 1, now())");
      await expect(db.query("INSERT INTO uplink_receipts (station, row_id, version, received_at) VALUES ('A1', 0, 1, now())")).rejects.toThrow();

      await addProduct(db, 1001);
      const add = (station: string, src: number, o: { result?: string; product?: number; step?: string | null } = {}) =>
        db.query(
          `INSERT INTO unit_results (station, src_row, product_id, at, port, result, device_id, hwid, step, code, received_at)
           VALUES ($1, $2, $3, '2026-11-28T08:00:00Z', 'p1', $4, NULL, 'HW1', $5, 'MES_REJECTED', now())`,
          [station, src, o.product ?? 1001, o.result ?? 'FAIL', o.step === undefined ? 'mes_check' : o.step],
        );
      await add('A1', 1);
      await add('A2', 1);
      await expect(add('A1', 1)).rejects.toThrow();
      await expect(add('A1', 2, { result: 'MAYBE' })).rejects.toThrow();
      await expect(add('A1', 3, { product: 999 })).rejects.toThrow();
      await expect(add('A1', 4, { step: null })).rejects.toThrow();
      await expect(add('A1', 0)).rejects.toThrow();
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM unit_results')).rows[0].n).toBe(2);
      const idx = await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'unit_results' ORDER BY indexname");
      expect(idx.rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(['unit_results_at', 'unit_results_station_at']));
    });
  });
});
