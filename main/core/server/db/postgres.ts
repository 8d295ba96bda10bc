import pg from 'pg';
import { WxError } from '../../errors/wx-error.js';
import type { Logger } from '../../log/logger.js';
import type { Param, Queryable, QueryResult, ServerDb } from './server-db.js';
import { PARSERS } from './types.js';
import { checkDatabaseUrl } from './url.js';

export interface PostgresOptions {
  log: Logger;
  /** Connections in the pool; 10. */
  max?: number;
}

const getTypeParser = ((oid: number, format?: string) => PARSERS[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'];

const result = <T>(r: pg.QueryResult): QueryResult<T> => ({ rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length });

const on = (c: pg.Pool | pg.PoolClient): Queryable => ({
  query: async <T>(text: string, params: readonly Param[] = []) => result<T>(await c.query(text, params as unknown[])),
  exec: async (sql: string) => void (await c.query(sql)),
});

/**
 * Real PostgreSQL through a `pg` pool. Every session runs in UTC (timestamps print the same
 * whatever the server's zone). The first connection is made here, so a wrong URL, a refused
 * connection or a bad password fails the start with FLEET_STORE_FAILED rather than the first
 * request.
 */
export async function openPostgres(url: string, o: PostgresOptions): Promise<ServerDb> {
  checkDatabaseUrl(url, '--database');
  const pool = new pg.Pool({
    connectionString: url,
    max: o.max ?? 10,
    options: '-c TimeZone=UTC',
    connectionTimeoutMillis: 10_000,
    types: { getTypeParser },
  });
  // An idle connection dropped by the server (a restart, a timeout) must not crash the process.
  pool.on('error', (e) => o.log.warn('store.connection_lost', { error: e.message }));
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => {});
    throw new WxError('FLEET_STORE_FAILED', { detail: (e as Error).message || String((e as { code?: string }).code ?? e) }, { cause: e });
  }
  const base = on(pool);
  return {
    kind: 'postgres',
    ...base,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const out = await fn(on(client));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is gone or confused: the pool must not hand it out again
        }
        throw e;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
