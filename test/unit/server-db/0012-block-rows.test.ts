import { describe, expect, it } from 'vitest';
import { nullLogger } from '../../../main/core/log/logger.js';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { SERVER_MIGRATIONS } from '../../../main/core/server/db/migrations/index.js';
import type { ServerDb } from '../../../main/core/server/db/server-db.js';
import { BlockService } from '../../../main/core/server/fleet/blocks.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';
import { T0, addProduct, addStation, seedKeys } from '../../helpers/server-fleet.js';

// Server schema 0012: a block records the range of ledger rows it minted; devices_block goes.

const indexes = async (db: ServerDb) => (await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'devices' ORDER BY 1")).rows.map((r) => r.indexname);

describe.each(STORES)('server migration 0012-block-rows on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it("gives the blocks minted before their range of ledger rows, drops the index, and a block asked for again is answered whole and in order, other blocks' rows in between left out", async () => {
      const db = store();
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 11));
      await addStation(db, 'A1');
      await addProduct(db, 1001, { template: 'L{station}{seq:5}' });
      expect(await indexes(db)).toContain('devices_block');
      const block = async (request: string) =>
        (await db.query<{ id: number }>("INSERT INTO blocks (station, product_id, request_id, key_version, count, created_at) VALUES ('A1', 1001, $1, 1, 3, $2::timestamptz) RETURNING id", [request, T0])).rows[0].id;
      const x = await block('rx');
      const y = await block('ry');
      // Two blocks minted at once: their ledger rows interleave.
      for (const [b, id] of [[x, 'LA100001'], [y, 'LA100101'], [x, 'LA100002'], [y, 'LA100102'], [x, 'LA100003']] as const) {
        await db.query(
          "INSERT INTO devices (product_id, device_id, station, status, signature, key_version, created_at, updated_at, block_id) VALUES (1001, $1, 'A1', 'allocated', $2, 1, $3::timestamptz, $3::timestamptz, $4)",
          [id, `sig-${id}`, T0, b],
        );
      }
      await db.query("INSERT INTO blocks (station, product_id, request_id, key_version, count, created_at) VALUES ('A1', 1001, 'empty', 1, 0, $1::timestamptz)", [T0]);
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 12));
      expect(await indexes(db)).not.toContain('devices_block');
      const ranges = (await db.query<{ request_id: string; n: number }>('SELECT request_id, (SELECT count(*)::int FROM devices d WHERE d.id BETWEEN b.first_row AND b.last_row) AS n, first_row IS NULL AS none FROM blocks b ORDER BY request_id')).rows;
      expect(ranges).toEqual([
        { request_id: 'empty', n: 0, none: true },
        { request_id: 'rx', n: 5, none: false },
        { request_id: 'ry', n: 3, none: false },
      ]);

      const fleet = await seedKeys(db, [1001]);
      const blocks = new BlockService({ db, now: () => new Date(T0), log: nullLogger, signers: fleet.signers });
      expect((await blocks.mint('A1', 1001, 3, 'rx')).ids).toEqual(['LA100001', 'LA100002', 'LA100003'].map((device_id) => ({ device_id, signature: `sig-${device_id}` })));
      // One minted now records its own range, and is answered again the same.
      const fresh = await blocks.mint('A1', 1001, 4, 'rz');
      expect(fresh.ids).toHaveLength(4);
      expect(await blocks.mint('A1', 1001, 4, 'rz')).toEqual(fresh);
      expect((await db.query("SELECT last_row - first_row AS span FROM blocks WHERE request_id = 'rz'")).rows).toEqual([{ span: 3 }]);
    });
  });
});
