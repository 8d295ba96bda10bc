import type { IncomingHttpHeaders } from 'node:http';
import { UPLINK_PENDING_HEADER } from '../../fleet/protocol.js';
import type { Logger } from '../../log/logger.js';
import type { Queryable } from '../db/server-db.js';

export { UPLINK_PENDING_HEADER };

/** The header's count, or undefined when it is absent or not a count. */
export function reportedBacklog(headers: IncomingHttpHeaders): number | undefined {
  const raw = headers[UPLINK_PENDING_HEADER];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || !/^\d{1,9}$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/**
 * Keeps what a station last reported of its uplink backlog, with when (the dashboard shows
 * both: a station offline for a shift shows the backlog it had when it was last heard). A
 * failure here is logged and never fails the station's call.
 */
export async function noteStationReport(db: Queryable, station: string, headers: IncomingHttpHeaders, at: string, log: Logger): Promise<void> {
  const pending = reportedBacklog(headers);
  if (pending === undefined) return;
  try {
    await db.query('UPDATE stations SET uplink_pending = $2, uplink_reported_at = $3::timestamptz WHERE code = $1', [station, pending, at]);
  } catch (e) {
    log.warn('dashboard.station_report_failed', { station, error: e instanceof Error ? e.message : String(e) });
  }
}
