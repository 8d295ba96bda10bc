import type { CoreContext } from '../main/core/context.js';
import type { IdRow } from '../main/core/ids/id-file.js';
import { Registry } from '../main/core/registry/registry.js';
import { nowS } from './timing.js';

/** The ids of a `devices add` file as they arrive: valid, distinct, in file order. */
export function* benchIds(n: number, prefix = 'BENCH'): Generator<IdRow> {
  for (let i = 0; i < n; i++) yield { line: i + 2, device_id: `${prefix}${String(i).padStart(9, '0')}`, extra: {} };
}

export interface EnqueueResult {
  /** Registry.add: ids queued per second. */
  rate: number;
  seconds: number;
  /** The baseline: a bare INSERT loop into a two-column table, same DB, same transaction size. */
  rawRate: number;
  rawRuns: number[];
  /** Rows per transaction Registry.add uses (and the baseline copies). */
  chunk: number;
}

/** Rows per transaction in Registry.add (CHUNK there). */
export const ADD_CHUNK = 2000;

/**
 * A bare `INSERT INTO t (id, device_id)` loop in transactions of `chunk` rows: what the same
 * file, pragmas and fsyncs cost before any index, trigger, outbox or validation.
 */
function rawInsertRate(ctx: CoreContext, n: number, chunk: number): number {
  const db = ctx.db;
  db.exec('DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, device_id TEXT NOT NULL)');
  const ins = db.prepare('INSERT INTO bench_raw (device_id) VALUES (?)');
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) ins.run(`RAW${String(i).padStart(9, '0')}`);
  });
  const start = nowS();
  for (let i = 0; i < n; i += chunk) write.immediate(i, Math.min(n, i + chunk));
  const seconds = nowS() - start;
  const count = (db.prepare('SELECT COUNT(*) AS c FROM bench_raw').get() as { c: number }).c;
  db.exec('DROP TABLE bench_raw');
  if (count !== n) throw new Error(`raw insert wrote ${count} of ${n}`);
  return n / seconds;
}

/**
 * (a) `devices add` of n ids into a fresh ledger: Registry.add validates each id, refuses
 * duplicates, writes the device row (audit trigger included) and its outbox entry. The raw
 * baseline runs before and after, so drift on a shared machine hits both sides alike.
 */
export async function enqueueBench(ctx: CoreContext, productId: number, n: number, log: (m: string) => void): Promise<EnqueueResult> {
  const rawRuns: number[] = [];
  log(`baseline: bare INSERT loop, ${n.toLocaleString('en-US')} rows`);
  rawRuns.push(rawInsertRate(ctx, n, ADD_CHUNK));

  log(`Registry.add of ${n.toLocaleString('en-US')} ids`);
  const reg = new Registry(ctx);
  const start = nowS();
  const summary = await reg.add(productId, benchIds(n));
  const seconds = nowS() - start;
  if (summary.queued !== n || summary.duplicates.length || summary.invalid.length) {
    throw new Error(`queued ${summary.queued} of ${n} (${summary.duplicates.length} duplicates, ${summary.invalid.length} invalid)`);
  }
  const pending = (ctx.db.prepare("SELECT COUNT(*) AS c FROM outbox WHERE state = 'pending'").get() as { c: number }).c;
  if (pending !== n) throw new Error(`${pending} pending in the outbox, expected ${n}`);

  rawRuns.push(rawInsertRate(ctx, n, ADD_CHUNK));
  return { rate: n / seconds, seconds, rawRate: (rawRuns[0] + rawRuns[1]) / 2, rawRuns, chunk: ADD_CHUNK };
}
