import type { Queryable } from '../db/server-db.js';
import type { ConflictView, ConflictsAnswer, ProductName, QueueAnswer, StationSummary, StationsAnswer } from '../../../../preload/dashboard-types.js';
import { readRegistrationState } from '../registrations/state.js';
import type { LocalDay } from '../../util/local-day.js';

/** A station counts as online when it was heard from within this long (it syncs every 30 s). */
export const ONLINE_WITHIN_MS = 2 * 60_000;

/**
 * Every station with what the admin asks first. "Today" is the server's local day (its TZ),
 * counted from the fleet ledger: rows whose last change in the day left them verified (pass)
 * or failed (fail), by the station that holds them. The ledger keeps one row per id, so a unit
 * that failed and later passed counts once, as a pass; a failure before any id was taken
 * (refused at HELLO) never reaches the server. The station's own screen counts results, not rows.
 * Index-backed (migration 0005): the day's outcomes only, however big the ledger.
 */
export async function stationsSummary(q: Queryable, day: LocalDay, now: Date, onlineWithinMs = ONLINE_WITHIN_MS): Promise<StationsAnswer> {
  const rows = (
    await q.query<Omit<StationSummary, 'online' | 'rate'>>(
      `SELECT s.code AS station, s.state, s.last_contact, s.joined_at, s.uplink_pending, s.uplink_reported_at,
         COALESCE(t.pass, 0) AS pass, COALESCE(t.fail, 0) AS fail
       FROM stations s LEFT JOIN (
         SELECT station, count(*) FILTER (WHERE status = 'verified') AS pass, count(*) FILTER (WHERE status = 'failed') AS fail
         FROM devices WHERE status IN ('verified', 'failed') AND updated_at >= $1::timestamptz AND updated_at < $2::timestamptz
         GROUP BY station) t ON t.station = s.code
       ORDER BY s.code`,
      [day.start.toISOString(), day.end.toISOString()],
    )
  ).rows;
  return {
    at: now.toISOString(),
    day: { date: day.date, start: day.start.toISOString(), end: day.end.toISOString() },
    online_within_s: Math.round(onlineWithinMs / 1000),
    stations: rows.map((r) => ({
      ...r,
      online: r.state === 'joined' && r.last_contact !== null && now.getTime() - Date.parse(r.last_contact) < onlineWithinMs,
      rate: r.pass + r.fail > 0 ? r.pass / (r.pass + r.fail) : null,
    })),
  };
}

/** The newest conflicts (both sides of each, never merged) and how many there are in all. */
export async function recentConflicts(q: Queryable, limit = 200): Promise<ConflictsAnswer> {
  const total = (await q.query<{ n: number }>('SELECT count(*) AS n FROM conflicts')).rows[0].n;
  const conflicts = (
    await q.query<ConflictView>(
      `SELECT id, kind, product_id, device_id, hwid, station, other_product_id, other_device_id, other_hwid, other_station, first_seen, last_seen, seen
       FROM conflicts ORDER BY id DESC LIMIT ${Math.max(1, Math.min(limit, 1000))}`,
    )
  ).rows;
  return { total, conflicts };
}

/**
 * The registration queue (adddevice outbox) as the dashboard shows it: what waits, what the
 * platform refused, and the worker's state (a quota pause, the last error, the last success).
 * Synced rows are not counted: over the whole fleet that is a count of the ledger, and both
 * counts here come from partial indexes (pending: 0001, failed: 0005).
 */
export async function queueSummary(q: Queryable): Promise<QueueAnswer> {
  const c = (
    await q.query<{ pending: number; failed: number; oldest_pending: string | null }>(
      `SELECT (SELECT count(*) FROM registrations WHERE state = 'pending') AS pending,
              (SELECT count(*) FROM registrations WHERE state = 'failed') AS failed,
              (SELECT min(created_at) FROM registrations WHERE state = 'pending') AS oldest_pending`,
    )
  ).rows[0];
  return { ...(await readRegistrationState(q)), ...c };
}

/** Products, for the records filter. */
export async function productNames(q: Queryable): Promise<ProductName[]> {
  return (await q.query<ProductName>('SELECT product_id, chinese_name, english_name, model_name FROM products ORDER BY product_id')).rows;
}
