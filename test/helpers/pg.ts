import crypto from 'node:crypto';
import { inject } from 'vitest';
import { ensureCluster, pgUnavailable } from './pg-cluster.js';
import { onServer } from './pg-client.js';

/**
 * Real PostgreSQL for a test file: a fresh database, made on WXPROV_TEST_DATABASE_URL's server
 * when that is set, else on the run's throwaway cluster (pg-cluster.ts). Without PostgreSQL,
 * the tests that need it fail with the reason in CI (CI=true) and are skipped elsewhere
 * (`pgSkip`).
 */
export const PG_UNAVAILABLE = pgUnavailable();

/** Whether to skip the real-PostgreSQL variants: only outside CI, and only when there is no PostgreSQL. */
export const pgSkip = PG_UNAVAILABLE !== undefined && process.env.CI !== 'true';

async function serverUrl(): Promise<string> {
  if (process.env.WXPROV_TEST_DATABASE_URL) return process.env.WXPROV_TEST_DATABASE_URL;
  if (PG_UNAVAILABLE) throw new Error(`real PostgreSQL is needed for this test: ${PG_UNAVAILABLE}`);
  return (await ensureCluster(inject('wxprovPgRoot'))).url;
}

export interface TestDatabase {
  /** postgres://… of a new, empty database. */
  url: string;
  drop(): Promise<void>;
}

/** A new empty database; drop() removes it (connections still open to it are cut). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = await serverUrl();
  const name = `wxprov_t_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  await onServer(base, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: () => onServer(base, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}
