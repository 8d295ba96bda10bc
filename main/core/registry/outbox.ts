import type { Db } from '../db/open.js';

export interface QueueStats {
  pending: number;
  failed: number;
  synced: number;
  /** created_at of the oldest pending registration, or null when nothing waits. */
  oldest: string | null;
}

export interface PendingRow {
  id: number;
  device_row: number;
  device_id: string;
}

export interface SyncState {
  paused_until: string | null;
  last_error: string | null;
  last_errcode: number | null;
  last_error_at: string | null;
  last_success_at: string | null;
}

/** The adddevice outbox: what waits, what went, what the platform refused. */
export class Outbox {
  constructor(private readonly db: Db) {}

  stats(): QueueStats {
    const counts = this.db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[];
    const by = Object.fromEntries(counts.map((c) => [c.state, c.n]));
    const oldest = this.db.prepare("SELECT MIN(created_at) AS t FROM outbox WHERE state = 'pending'").get() as { t: string | null };
    return { pending: by.pending ?? 0, failed: by.failed ?? 0, synced: by.synced ?? 0, oldest: oldest.t };
  }

  pendingProducts(): number[] {
    return (this.db.prepare("SELECT DISTINCT product_id FROM outbox WHERE state = 'pending' ORDER BY product_id").all() as { product_id: number }[]).map(
      (r) => r.product_id,
    );
  }

  pendingPage(productId: number, afterId: number, limit: number): PendingRow[] {
    return this.db
      .prepare("SELECT id, device_row, device_id FROM outbox WHERE state = 'pending' AND product_id = ? AND id > ? ORDER BY id LIMIT ?")
      .all(productId, afterId, limit) as PendingRow[];
  }

  /** The platform accepted these: one transaction records it on the outbox and the ledger. */
  markSynced(rows: PendingRow[], at: string): void {
    const o = this.db.prepare("UPDATE outbox SET state = 'synced', synced_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?");
    const d = this.db.prepare('UPDATE devices SET synced_at = ? WHERE id = ? AND synced_at IS NULL');
    this.db.transaction(() => {
      for (const r of rows) {
        o.run(at, r.id);
        d.run(at, r.device_row);
      }
      this.db.prepare('UPDATE sync_state SET last_success_at = ? WHERE id = 1').run(at);
    }).immediate();
  }

  /** The platform refused this one id: it stays in the ledger, marked, with the reason. */
  markFailed(row: PendingRow, reason: string, at: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?").run(reason, row.id);
      this.db.prepare('UPDATE devices SET last_error = ?, updated_at = ? WHERE id = ?').run(`adddevice: ${reason}`, at, row.device_row);
    }).immediate();
  }

  noteAttempt(rows: PendingRow[], reason: string): void {
    const s = this.db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?');
    this.db.transaction(() => rows.forEach((r) => s.run(reason, r.id)))();
  }

  /** Failed registrations back to pending (after the cause was fixed). */
  retryFailed(): number {
    return this.db.prepare("UPDATE outbox SET state = 'pending' WHERE state = 'failed'").run().changes;
  }

  state(): SyncState {
    return this.db.prepare('SELECT paused_until, last_error, last_errcode, last_error_at, last_success_at FROM sync_state WHERE id = 1').get() as SyncState;
  }

  setError(code: string | null, errcode: number | null, at: string, pausedUntil: string | null = null): void {
    this.db.prepare('UPDATE sync_state SET last_error = ?, last_errcode = ?, last_error_at = ?, paused_until = ? WHERE id = 1').run(code, errcode, at, pausedUntil);
  }
}
