import { WxError } from '../../errors/wx-error.js';
import type { ServerMigration } from './migration.js';
import { SERVER_MIGRATIONS } from './migrations/index.js';
import type { Queryable, ServerDb } from './server-db.js';

/** Any fixed number: the advisory lock that makes two servers starting on one database migrate one after the other. */
const MIGRATION_LOCK = 0x77787072; // 'wxpr'

const TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

async function current(tx: Queryable): Promise<number> {
  const r = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

/** The schema version the store is at (0: empty). */
export async function serverSchemaVersion(db: Queryable): Promise<number> {
  const r = await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  return r.rows[0]?.t ? current(db) : 0;
}

/**
 * Brings the schema up to date: each migration in its own transaction, recorded in
 * schema_migrations in that transaction, so a failed one leaves the store at the version
 * before it. A store a newer program migrated is refused before anything is touched: its
 * rules (and columns) are ones this program does not know, so writing to it could break them.
 * Two servers starting on one PostgreSQL database take turns (an advisory lock held per
 * transaction), and the second finds the work done.
 */
export async function migrateServerDb(db: ServerDb, migrations: readonly ServerMigration[] = SERVER_MIGRATIONS): Promise<{ from: number; to: number }> {
  const known = migrations.at(-1)?.version ?? 0;
  let from: number | undefined;
  for (let i = 0; ; i++) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await tx.exec(TABLE);
      const at = await current(tx);
      from ??= at;
      if (at > known) throw new WxError('FLEET_STORE_NEWER_SCHEMA', { found: at, known });
      const next = migrations.find((m) => m.version > at);
      if (!next) return true;
      await tx.exec(next.up);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [next.version, next.name]);
      return false;
    });
    if (done) break;
    if (i > migrations.length) throw new WxError('INTERNAL', { detail: 'migrations did not converge' });
  }
  return { from: from ?? 0, to: known };
}
