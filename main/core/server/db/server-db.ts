/**
 * The factory server's store: one interface over real PostgreSQL (`pg`, a pool) and the
 * embedded PGlite (one PostgreSQL backend in this process), so the schema, the migrations and
 * every query are written once, in plain PostgreSQL SQL, and run on both.
 *
 * Values come back the same from both (types.ts): bigint as number, timestamptz as an ISO
 * string in UTC, date as 'YYYY-MM-DD', bytea as a Buffer, json/jsonb parsed. Parameters are
 * passed as strings, numbers, booleans, null or Buffers; JSON goes in as a string with an
 * explicit `::jsonb` cast and times as ISO strings with `::timestamptz`, so neither driver has
 * to guess a type.
 */
export type StoreKind = 'postgres' | 'embedded';

export interface QueryResult<T> {
  rows: T[];
  /** Rows the statement returned or touched. */
  rowCount: number;
}

export type Param = string | number | boolean | null | Buffer;

export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly Param[]): Promise<QueryResult<T>>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface ServerDb extends Queryable {
  readonly kind: StoreKind;
  /**
   * Runs `fn` on one connection inside BEGIN … COMMIT; a throw rolls back and is rethrown.
   * Queries made on `db` itself meanwhile run outside it (on another pooled connection, or,
   * embedded, after it: PGlite has one backend and queues them).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
