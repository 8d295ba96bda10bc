import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { s0001 } from '../../../main/core/server/db/migrations/0001-fleet.js';
import { s0002 } from '../../../main/core/server/db/migrations/0002-blocks.js';
import { s0003 } from '../../../main/core/server/db/migrations/0003-uplink.js';
import { s0004 } from '../../../main/core/server/db/migrations/0004-snapshot-versions.js';
import { s0005 } from '../../../main/core/server/db/migrations/0005-dashboard.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';
import { addProduct, addStation } from '../../helpers/server-fleet.js';

// Server schema 0005: a station's reported uplink backlog (no downlink stamp: it is nobody's
// news), and the indexes the dashboard's day counts and failed count read.

describe.each(STORES)('server migration 0005-dashboard on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it('keeps a backlog report on the station without stamping it for the downlink, and refuses a negative one', async () => {
      const db = store();
      await migrateServerDb(db, [s0001, s0002, s0003, s0004]);
      await addStation(db, 'A1');
      await migrateServerDb(db, [s0001, s0002, s0003, s0004, s0005]);
      const before = (await db.query<{ version: number; uplink_pending: number | null }>("SELECT version, uplink_pending FROM stations WHERE code = 'A1'")).rows[0];
      expect(before.uplink_pending).toBeNull();
      await db.query("UPDATE stations SET uplink_pending = 42, uplink_reported_at = '2026-11-30T09:00:00Z' WHERE code = 'A1'");
      const after = (await db.query<{ version: number; uplink_pending: number; uplink_reported_at: string }>("SELECT version, uplink_pending, uplink_reported_at FROM stations WHERE code = 'A1'")).rows[0];
      expect(after).toEqual({ version: before.version, uplink_pending: 42, uplink_reported_at: '2026-11-30T09:00:00.000Z' });
      await expect(db.query("UPDATE stations SET uplink_pending = -1 WHERE code = 'A1'")).rejects.toThrow();
    });

    it('indexes the outcomes by day and the failed registrations', async () => {
      const db = store();
      await migrateServerDb(db, [s0001, s0002, s0003, s0004, s0005]);
      await addStation(db, 'A1');
      await addProduct(db, 1001);
      const idx = (await db.query<{ indexname: string; indexdef: string }>("SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN ('devices_outcome_updated', 'registrations_failed') ORDER BY indexname")).rows;
      expect(idx.map((i) => i.indexname)).toEqual(['devices_outcome_updated', 'registrations_failed']);
      expect(idx[0].indexdef).toMatch(/WHERE.*verified.*failed/);
      expect(idx[1].indexdef).toMatch(/WHERE.*failed/);
    });
  });
});
