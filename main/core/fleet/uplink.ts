import type { CoreContext } from '../context.js';
import type { Db } from '../db/open.js';
import type { FleetSession } from './session.js';

/**
 * Rows per uplink request: about 1 MB, answered in a few seconds even with 50 stations catching
 * up at once (the client gives 15). Fewer, larger batches: the server's cost per batch (a
 * transaction, a dozen statements, a commit) is paid once per 2,000 rows instead of per 500 —
 * the fleet bench took a quarter more rows a second so.
 */
export const UPLINK_BATCH = 2000;

export interface UplinkResult {
  sent: number;
  accepted: number;
  duplicates: number;
  conflicts: number;
  /** Still queued when the run ended. */
  pending: number;
}

/**
 * The second outbox (fleet_uplink): every ledger change made while joined, queued by trigger
 * in the change's own transaction (migration 0011) under (row id, version), carrying the row
 * as it was; and every result the station reported (`unit_results`, kind `result`, migration
 * 0014: version 1 under the negative of its results row id, a key space no ledger row uses),
 * which the server's yield is counted from. Each payload goes as it was queued. A batch is marked sent only in the transaction that records the server's answer;
 * a process killed in between sends the same rows again under the same keys, which the server
 * counts as duplicates. So nothing is lost and nothing is counted twice.
 */
export class UplinkStore {
  private readonly pageStmt;
  private readonly sentStmt;

  constructor(private readonly db: Db) {
    this.pageStmt = db.prepare('SELECT id, payload FROM fleet_uplink WHERE sent_at IS NULL ORDER BY id LIMIT ?');
    this.sentStmt = db.prepare('UPDATE fleet_uplink SET sent_at = @at WHERE id IN (SELECT value FROM json_each(@ids)) AND sent_at IS NULL');
  }

  pending(): number {
    return this.db.prepare('SELECT COUNT(*) FROM fleet_uplink WHERE sent_at IS NULL').pluck().get() as number;
  }

  page(limit: number): { id: number; payload: string }[] {
    return this.pageStmt.all(limit) as { id: number; payload: string }[];
  }

  /** The server's answer, recorded with the rows it answered for, in one transaction. */
  markSent(ids: readonly number[], conflicts: readonly unknown[], at: string): void {
    this.db
      .transaction(() => {
        this.sentStmt.run({ at, ids: JSON.stringify(ids) });
        const c = this.db.prepare('INSERT INTO fleet_conflicts (received_at, detail) VALUES (?, ?)');
        for (const x of conflicts) c.run(at, JSON.stringify(x));
      })
      .immediate();
  }

  conflicts(): number {
    return this.db.prepare('SELECT COUNT(*) FROM fleet_conflicts').pluck().get() as number;
  }
}

/**
 * Sends what is queued, batch after batch, until nothing is left, the signal stops it, or a
 * call fails (the error goes to the caller; the unsent rows stay queued).
 */
export async function sendUplink(ctx: CoreContext, session: FleetSession, o: { batch?: number; signal?: AbortSignal } = {}): Promise<UplinkResult> {
  const store = new UplinkStore(ctx.db);
  const r: UplinkResult = { sent: 0, accepted: 0, duplicates: 0, conflicts: 0, pending: 0 };
  for (;;) {
    if (o.signal?.aborted) break;
    const rows = store.page(o.batch ?? UPLINK_BATCH);
    if (rows.length === 0) break;
    // Each row with its place in the outbox (`seq`): the server takes this station's rows up to
    // the last place it has taken. Right because ids only grow (rows are kept once sent, never
    // deleted) and a page is only read after the one before was answered and marked.
    const answer = await session.run((c) => c.uplink(rows.map((x) => ({ ...(JSON.parse(x.payload) as object), seq: x.id })), { signal: o.signal }));
    store.markSent(
      rows.map((x) => x.id),
      answer.conflicts,
      ctx.now().toISOString(),
    );
    r.sent += rows.length;
    r.accepted += answer.accepted;
    r.duplicates += answer.duplicates;
    r.conflicts += answer.conflicts.length;
    if (answer.conflicts.length > 0) ctx.log.warn('fleet.conflicts', { count: answer.conflicts.length });
  }
  r.pending = store.pending();
  return r;
}
