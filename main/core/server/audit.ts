import type { Queryable } from './db/server-db.js';

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  station?: string;
  product_id?: number;
  device_id?: string;
  detail?: Record<string, unknown>;
}

/** One row of the append-only audit log (the table refuses changes), written in the caller's transaction. Never a secret in `detail`. */
export async function audit(q: Queryable, e: AuditEntry): Promise<void> {
  await q.query(
    'INSERT INTO audit (at, actor, action, station, product_id, device_id, detail) VALUES ($1::timestamptz, $2, $3, $4, $5, $6, $7::jsonb)',
    [e.at, e.actor, e.action, e.station ?? null, e.product_id ?? null, e.device_id ?? null, JSON.stringify(e.detail ?? {})],
  );
}
