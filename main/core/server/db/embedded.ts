import { PGlite, type Transaction } from '@electric-sql/pglite';
import { ensurePrivateDir } from '../../config/private-files.js';
import { WxError } from '../../errors/wx-error.js';
import { tightenTree } from '../home.js';
import type { Param, Queryable, QueryResult, ServerDb } from './server-db.js';
import { PARSERS } from './types.js';

const on = (c: PGlite | Transaction): Queryable => ({
  query: async <T>(text: string, params: readonly Param[] = []): Promise<QueryResult<T>> => {
    const r = await c.query<T>(text, params as unknown[]);
    return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
  },
  exec: async (sql: string) => void (await c.exec(sql)),
});

/**
 * The embedded store: PGlite (PostgreSQL compiled to WebAssembly) in this process, its files
 * in `dir` (owner-only), or in memory without one (tests). One backend: queries queue behind
 * a transaction instead of running beside it, so inside `transaction` every query must go
 * through `tx` (a query on the db itself would wait for the transaction that waits for it).
 * Only one process may open a data dir: the server holds a lock on its home (server/home.ts).
 * PGlite's WebAssembly file system writes its files 0666 whatever the umask, so the folder is
 * tightened (files 0600, folders 0700) when it is opened, migrated (server/db/open.ts) and
 * closed; the folder itself is 0700 throughout, so no other user reaches them meanwhile.
 * The first start initialises the cluster (about 5 s); later starts take well under one.
 */
export async function openEmbedded(dir: string | undefined): Promise<ServerDb> {
  let db: PGlite;
  try {
    if (dir) {
      ensurePrivateDir(dir);
      tightenTree(dir);
    }
    db = await PGlite.create({ ...(dir ? { dataDir: dir } : {}), parsers: PARSERS as Record<number, (s: string) => unknown> });
    await db.exec("SET TimeZone = 'UTC'");
  } catch (e) {
    throw new WxError('FLEET_STORE_FAILED', { detail: (e as Error).message || String(e) }, { cause: e });
  }
  return {
    kind: 'embedded',
    ...on(db),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(on(tx))),
    close: async () => {
      await db.close();
      if (dir) tightenTree(dir);
    },
  };
}
