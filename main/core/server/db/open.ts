import path from 'node:path';
import type { Logger } from '../../log/logger.js';
import { tightenTree } from '../home.js';
import { migrateServerDb } from './migrate.js';
import type { ServerMigration } from './migration.js';
import { SERVER_MIGRATIONS } from './migrations/index.js';
import type { ServerDb } from './server-db.js';

export interface OpenServerDbOptions {
  /** postgres://… (--database or WXPROV_DATABASE_URL); without it, the embedded store in `<home>/pgdata`. */
  url?: string;
  home: string;
  log: Logger;
  migrations?: readonly ServerMigration[];
}

export const PGDATA_DIR = 'pgdata';

/**
 * The server's store, migrated: real PostgreSQL when a URL is given, else PGlite in the
 * server's home. Each driver is imported only when chosen (PGlite brings a WebAssembly
 * PostgreSQL; a server on a real database never loads it).
 */
export async function openServerDb(o: OpenServerDbOptions): Promise<ServerDb> {
  const db = o.url
    ? await (await import('./postgres.js')).openPostgres(o.url, { log: o.log })
    : await (await import('./embedded.js')).openEmbedded(path.join(o.home, PGDATA_DIR));
  try {
    const m = await migrateServerDb(db, o.migrations ?? SERVER_MIGRATIONS);
    if (m.from !== m.to) o.log.info('store.migrated', { kind: db.kind, from: m.from, to: m.to });
    if (db.kind === 'embedded') tightenTree(path.join(o.home, PGDATA_DIR));
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
  return db;
}
