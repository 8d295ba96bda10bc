import { describe, expect, it } from 'vitest';
import { migrateServerDb, serverSchemaVersion } from '../../../main/core/server/db/migrate.js';
import type { ServerMigration } from '../../../main/core/server/db/migration.js';
import { SERVER_MIGRATIONS } from '../../../main/core/server/db/migrations/index.js';
import { caught } from '../../helpers/caught.js';
import { STORES, skipStore, useStore } from '../../helpers/server-db.js';

// The server's migration runner, on real PostgreSQL and on PGlite: versions recorded in
// schema_migrations, each migration in its own transaction, a newer store refused.

const tables = async (db: ReturnType<ReturnType<typeof useStore>>) =>
  (await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t);

describe.each(STORES)('server migrations on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    it('brings an empty store to the newest version once, and records each version', async () => {
      const db = store();
      expect(await serverSchemaVersion(db)).toBe(0);
      const first = await migrateServerDb(db);
      const newest = SERVER_MIGRATIONS.at(-1)!.version;
      expect(first).toEqual({ from: 0, to: newest });
      const rows = (await db.query<{ version: number; name: string; applied_at: string }>('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')).rows;
      expect(rows.map((r) => [r.version, r.name])).toEqual(SERVER_MIGRATIONS.map((m) => [m.version, m.name]));
      expect(rows[0].applied_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(await migrateServerDb(db)).toEqual({ from: newest, to: newest });
      expect(await serverSchemaVersion(db)).toBe(newest);
    });

    it('refuses a store a newer program migrated, before touching anything', async () => {
      const db = store();
      await migrateServerDb(db);
      await db.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from-the-future')");
      const before = await tables(db);
      const e = await caught(migrateServerDb(db));
      expect(e).toMatchObject({ code: 'FLEET_STORE_NEWER_SCHEMA', params: { found: 999, known: SERVER_MIGRATIONS.at(-1)!.version } });
      expect(await tables(db)).toEqual(before);
    });

    it('leaves a store at the version before a migration that fails (its statements rolled back)', async () => {
      const db = store();
      const broken: ServerMigration = { version: 2, name: 'broken', up: 'CREATE TABLE half_done (a int); SELECT no_such_column FROM half_done;' };
      await expect(migrateServerDb(db, [SERVER_MIGRATIONS[0], broken])).rejects.toThrow(/no_such_column/);
      expect(await serverSchemaVersion(db)).toBe(1);
      expect(await tables(db)).not.toContain('half_done');
    });

    it('lets two starts on one store migrate at once: one does the work, the other finds it done', async () => {
      const db = store();
      const [a, b] = await Promise.all([migrateServerDb(db), migrateServerDb(db)]);
      const newest = SERVER_MIGRATIONS.at(-1)!.version;
      expect([a.to, b.to]).toEqual([newest, newest]);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n).toBe(SERVER_MIGRATIONS.length);
    });
  });
});
