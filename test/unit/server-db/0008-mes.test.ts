import { describe, expect, it } from 'vitest';
import { migrateServerDb } from '../../../main/core/server/db/migrate.js';
import { SERVER_MIGRATIONS } from '../../../main/core/server/db/migrations/index.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';

// Server schema 0008: the report outbox of the MES the server holds for its stations.

describe.each(STORES)('server migration 0008-mes on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it('one event per id, its body naming that id, three states; one state row', async () => {
      const db = store();
      await migrateServerDb(db, SERVER_MIGRATIONS.filter((m) => m.version <= 8));
      expect((await db.query('SELECT id, last_error, next_attempt_at, failures FROM mes_state')).rows).toEqual([{ id: 1, last_error: null, next_attempt_at: null, failures: 0 }]);
      await expect(db.query('INSERT INTO mes_state (id) VALUES (2)')).rejects.toThrow();
      const id = '6f1c1f40-1d2b-4f43-9a3a-0d7f1b1f0001';
      const add = (eventId: string, body: unknown, state = 'pending') =>
        db.query('INSERT INTO mes_events (event_id, station, body, state, created_at) VALUES ($1::uuid, $2, $3::jsonb, $4, now())', [eventId, 'A1', JSON.stringify(body), state]);
      await add(id, { event_id: id, result: 'PASS' });
      await expect(add(id, { event_id: id })).rejects.toThrow();
      await expect(add('6f1c1f40-1d2b-4f43-9a3a-0d7f1b1f0002', { event_id: 'other' })).rejects.toThrow();
      await expect(add('6f1c1f40-1d2b-4f43-9a3a-0d7f1b1f0003', { event_id: '6f1c1f40-1d2b-4f43-9a3a-0d7f1b1f0003' }, 'lost')).rejects.toThrow();
      await add('6f1c1f40-1d2b-4f43-9a3a-0d7f1b1f0004', { event_id: '6f1c1f40-1d2b-4f43-9a3a-0d7f1b1f0004' }, 'refused');
      expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM mes_events WHERE state = 'pending'")).rows[0].n).toBe(1);
    });
  });
});
