import { afterAll, beforeAll, beforeEach } from 'vitest';
import { nullLogger } from '../../main/core/log/logger.js';
import { openEmbedded } from '../../main/core/server/db/embedded.js';
import { openPostgres } from '../../main/core/server/db/postgres.js';
import type { ServerDb, StoreKind } from '../../main/core/server/db/server-db.js';
import { createTestDatabase, pgSkip, type TestDatabase } from './pg.js';

/** Both stores every server-store test runs on. */
export const STORES: readonly StoreKind[] = ['postgres', 'embedded'];

/** Whether a store's variant is skipped here (real PostgreSQL missing outside CI). */
export const skipStore = (kind: StoreKind): boolean => kind === 'postgres' && pgSkip;

/**
 * A store for one describe block, empty before each test: real PostgreSQL (a database of its
 * own) or PGlite in memory. Opening is the slow part (PGlite's first start takes seconds), so
 * one is opened per block and each test gets a fresh `public` schema instead.
 */
export function useStore(kind: StoreKind): () => ServerDb {
  let db: ServerDb | undefined;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    if (kind === 'postgres') {
      database = await createTestDatabase();
      db = await openPostgres(database.url, { log: nullLogger, max: 4 });
    } else db = await openEmbedded(undefined);
  }, 60_000);
  beforeEach(async () => {
    await db!.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });
  return () => db!;
}
