import type { IncomingHttpHeaders } from 'node:http';
import { WxError } from '../../errors/wx-error.js';
import { parseProductId } from '../../ids/validate.js';
import type { Logger } from '../../log/logger.js';
import { localDay } from '../../util/local-day.js';
import { readPasswordRecord, verifyPassword } from '../dashboard/admin-password.js';
import { DEVICE_STATUSES, exportFleetCsv, searchFleet, type DeviceStatus, type FleetFilter, type FleetQuery } from '../dashboard/fleet-records.js';
import type { LoginThrottle } from '../dashboard/login-throttle.js';
import { clearedCookie, sessionCookie, type DashboardSessions } from '../dashboard/sessions.js';
import { DASHBOARD_HEADERS, type DashboardFiles } from '../dashboard/static-files.js';
import { productNames, queueSummary, recentConflicts, stationsSummary } from '../dashboard/summary.js';
import { checkTimeZone, fleetYield, parseRangeTime, type FleetYieldOptions } from '../dashboard/yield.js';
import type { Queryable } from '../db/server-db.js';
import { bodyObject } from '../http/body.js';
import type { Answer, RequestContext, Route } from '../http/router.js';
import { checkStationCode } from '../stations/station-service.js';

export interface DashboardRouteDeps {
  db: Queryable;
  sessions: DashboardSessions;
  throttle: LoginThrottle;
  files: DashboardFiles;
  now: () => Date;
  /** The server's time zone for "today" (default the process's TZ). */
  timeZone?: string;
  log: Logger;
}

/**
 * A request that changes the session (login, logout) must come from the dashboard's own page:
 * a browser names the page it comes from in Origin (and Sec-Fetch-Site), and another site's
 * page is refused. The session cookie is SameSite=Strict already; this also stops another
 * site from logging a browser in as the admin (login CSRF). Scripts (no Origin) pass.
 */
function sameOrigin(headers: IncomingHttpHeaders): void {
  const origin = headers.origin;
  const host = headers.host ?? '';
  const site = headers['sec-fetch-site'];
  let ok = site === undefined || site === 'same-origin' || site === 'none';
  if (ok && origin !== undefined) {
    try {
      ok = new URL(origin).host === host;
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new WxError('FLEET_CROSS_ORIGIN', { origin: origin ?? String(site), host });
}

const text = (q: URLSearchParams, name: string, max: number): string | undefined => {
  const v = q.get(name)?.trim();
  if (!v) return undefined;
  if (v.length > max) throw new WxError('INPUT_INVALID', { field: name, detail: `${v.length} characters`, allowed: `at most ${max}` });
  return v;
};

/** A date (YYYY-MM-DD: midnight on the server's clock) or a timestamp, as ISO. */
function isoTime(q: URLSearchParams, name: string): string | undefined {
  const raw = text(q, name, 40);
  if (raw === undefined) return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00` : raw);
  if (Number.isNaN(d.getTime())) throw new WxError('INPUT_INVALID', { field: name, detail: raw, allowed: 'a date like 2026-11-28 or 2026-11-28T08:00:00Z' });
  return d.toISOString();
}

/** The records filter from the query string: the search and the CSV read it alike, so the export holds what the search pages through. */
export function fleetFilter(q: URLSearchParams): FleetFilter {
  const f: FleetFilter = {};
  const product = text(q, 'product_id', 20);
  if (product !== undefined) {
    const id = parseProductId(product);
    if (id === undefined) throw new WxError('INPUT_INVALID', { field: 'product_id', detail: product, allowed: 'a positive whole number (the product_id)' });
    f.product_id = id;
  }
  const station = text(q, 'station', 8);
  if (station !== undefined) f.station = checkStationCode(station);
  const status = text(q, 'status', 16);
  if (status !== undefined) {
    if (!DEVICE_STATUSES.includes(status as DeviceStatus)) throw new WxError('INPUT_INVALID', { field: 'status', detail: status, allowed: DEVICE_STATUSES.join(' | ') });
    f.status = status as DeviceStatus;
  }
  const deviceId = text(q, 'device_id', 129);
  if (deviceId !== undefined) {
    if (!/^[0-9A-Za-z_-]*\*?$/.test(deviceId)) throw new WxError('INPUT_INVALID', { field: 'device_id', detail: deviceId, allowed: 'a device id, or its beginning followed by *' });
    f.device_id = deviceId;
  }
  f.hwid = text(q, 'hwid', 256);
  f.sn = text(q, 'sn', 256);
  f.from = isoTime(q, 'from');
  f.to = isoTime(q, 'to');
  for (const k of Object.keys(f) as (keyof FleetFilter)[]) if (f[k] === undefined) delete f[k];
  return f;
}

function fleetQuery(q: URLSearchParams): FleetQuery {
  const limit = text(q, 'limit', 4);
  const n = limit === undefined ? undefined : Number(limit);
  if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 500)) throw new WxError('INPUT_INVALID', { field: 'limit', detail: String(limit), allowed: '1-500' });
  return { ...fleetFilter(q), limit: n, cursor: text(q, 'cursor', 200) };
}

/**
 * The yield query (`/dashboard/stats`): station (any case), product (or product_id), since /
 * until (a bare date is that day in tz; until exclusive), by (hour | day), tz (IANA, default UTC).
 */
async function yieldOptions(db: Queryable, q: URLSearchParams): Promise<FleetYieldOptions> {
  const o: FleetYieldOptions = {};
  o.timeZone = checkTimeZone(text(q, 'tz', 64) ?? 'UTC');
  const station = text(q, 'station', 8);
  if (station !== undefined) {
    checkStationCode(station);
    // Results are kept under the code as the server holds it; A1 and a1 are one station.
    const held = await db.query<{ code: string }>('SELECT code FROM stations WHERE lower(code) = lower($1) ORDER BY code LIMIT 1', [station]);
    o.station = held.rows[0]?.code ?? station;
  }
  const productField = q.has('product') ? 'product' : 'product_id';
  const product = text(q, productField, 20);
  if (product !== undefined) {
    const id = parseProductId(product);
    if (id === undefined) throw new WxError('INPUT_INVALID', { field: productField, detail: product, allowed: 'a positive whole number (the product_id)' });
    o.product_id = id;
  }
  const since = text(q, 'since', 40);
  const until = text(q, 'until', 40);
  if (since !== undefined) o.since = parseRangeTime(since, 'since', 'since', o.timeZone);
  if (until !== undefined) o.until = parseRangeTime(until, 'until', 'until', o.timeZone);
  if (o.since && o.until && o.until.getTime() <= o.since.getTime()) throw new WxError('INPUT_INVALID', { field: 'until', detail: until!, allowed: `a time after since (${since})` });
  const by = text(q, 'by', 8);
  if (by !== undefined && by !== 'hour' && by !== 'day') throw new WxError('INPUT_INVALID', { field: 'by', detail: by, allowed: 'hour | day' });
  if (by !== undefined) o.by = by;
  return o;
}

const json = (body: unknown, headers: Record<string, string> = {}): Answer => ({ body, headers: { ...DASHBOARD_HEADERS, ...headers } });

/** The file name of an export: when it was made, on the server's clock. */
const exportName = (now: Date) => `fleet-records-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}.csv`;

/**
 * The fleet dashboard (`/`: the station's React app, which sees the flag in its page and shows
 * the fleet view) and its JSON under /dashboard/. Everything but the page, its bundles, login
 * and logout needs the session cookie a login sets ('dashboard' auth, checked by the HTTPS
 * front before the route runs). Nothing here answers a secret: the password goes in, a cookie
 * comes out, and the records hold public keys' signatures at most.
 */
export function dashboardRoutes(d: DashboardRouteDeps): Route[] {
  const get = (path: string, handle: (ctx: RequestContext) => Promise<Answer>): Route => ({ method: 'GET', path, auth: 'dashboard', handle });
  const file = (path: string, handle: (ctx: RequestContext) => Answer): Route => ({ method: 'GET', path, auth: 'none', handle: async (ctx) => handle(ctx) });
  return [
    file('/', () => d.files.index()),
    file('/index.html', () => d.files.index()),
    file('/assets/:file', (ctx) => d.files.asset(ctx.params.file)),
    {
      method: 'POST',
      path: '/dashboard/login',
      auth: 'none',
      bodyLimit: 4096,
      async handle(ctx) {
        sameOrigin(ctx.headers);
        const b = bodyObject(ctx.body);
        const password = typeof b.password === 'string' ? b.password : '';
        d.throttle.begin(ctx.remote);
        const rec = await readPasswordRecord(d.db);
        if (!password || !rec || !(await verifyPassword(rec, password))) {
          d.log.warn('dashboard.login_refused', { remote: ctx.remote });
          throw new WxError('FLEET_LOGIN_WRONG');
        }
        d.throttle.succeeded(ctx.remote);
        d.log.info('dashboard.login', { remote: ctx.remote });
        return json({ ok: true }, { 'set-cookie': sessionCookie(d.sessions.create()) });
      },
    },
    {
      method: 'POST',
      path: '/dashboard/logout',
      auth: 'none',
      bodyLimit: 1024,
      async handle(ctx) {
        sameOrigin(ctx.headers);
        d.sessions.end(ctx.headers.cookie);
        return json({ ok: true }, { 'set-cookie': clearedCookie() });
      },
    },
    get('/dashboard/session', async () => json({ ok: true })),
    get('/dashboard/stations', async () => {
      const now = d.now();
      const day = localDay(now, d.timeZone);
      const answer = await stationsSummary(d.db, day, now);
      // Today's units and first-pass yield per station, from the results log (one range scan).
      const today = await fleetYield(d.db, { since: day.start, until: day.end, by: 'day', timeZone: d.timeZone ?? 'UTC' });
      const by = new Map(today.stations.map((s) => [s.station, s]));
      for (const s of answer.stations) {
        const y = by.get(s.station);
        s.units_today = y?.units ?? 0;
        s.fpy_today = y?.fpy ?? null;
      }
      return json(answer);
    }),
    get('/dashboard/stats', async (ctx) => json(await fleetYield(d.db, await yieldOptions(d.db, ctx.query)))),
    get('/dashboard/conflicts', async () => json(await recentConflicts(d.db))),
    get('/dashboard/queue', async () => json(await queueSummary(d.db))),
    get('/dashboard/products', async () => json({ products: await productNames(d.db) })),
    get('/dashboard/records', async (ctx) => json(await searchFleet(d.db, fleetQuery(ctx.query)))),
    get('/dashboard/records.csv', async (ctx) => {
      // Checked before the answer starts: after that an error can only cut it off.
      const filter = fleetFilter(ctx.query);
      const name = exportName(d.now());
      return {
        headers: { ...DASHBOARD_HEADERS, 'content-disposition': `attachment; filename="${name}"` },
        stream: {
          contentType: 'text/csv; charset=utf-8',
          write: async (out) => {
            const rows = await exportFleetCsv(d.db, filter, out);
            d.log.info('dashboard.export', { rows, filter });
          },
        },
      };
    }),
  ];
}
