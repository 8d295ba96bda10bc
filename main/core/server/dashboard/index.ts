import type { IncomingHttpHeaders } from 'node:http';
import { WxError } from '../../errors/wx-error.js';
import type { Logger } from '../../log/logger.js';
import type { Queryable } from '../db/server-db.js';
import type { Route } from '../http/router.js';
import { dashboardRoutes } from '../routes/dashboard-routes.js';
import { ensureAdminPassword } from './admin-password.js';
import { LoginThrottle, type ThrottleOptions } from './login-throttle.js';
import { DashboardSessions, type SessionOptions } from './sessions.js';
import { noteStationReport } from './station-report.js';
import { DashboardFiles } from './static-files.js';

export interface DashboardOptions {
  db: Queryable;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  log: Logger;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** Shows a newly generated admin password once (the CLI: stderr). */
  announcePassword(password: string): void;
  timeZone?: string;
  sessions?: SessionOptions;
  throttle?: ThrottleOptions;
}

export interface Dashboard {
  routes: Route[];
  /** The HTTPS front's check for 'dashboard' routes: a live session cookie, else FLEET_LOGIN_REQUIRED. */
  authenticate(cookieHeader: string | undefined): void;
  /** Every authenticated station call: what it reports of itself (its uplink backlog). */
  onStationCall(station: string, headers: IncomingHttpHeaders): Promise<void>;
}

/** How a generated password is shown: once, to whoever started the server, on its stderr (the CLI's, or this process's). */
export function passwordNotice(password: string): string {
  return [
    `Dashboard admin password (shown this once; keep it safe): ${password}`,
    `看板管理员密码（只显示这一次，请妥善保存）：${password}`,
    'Open the server address in a browser to sign in; start the server with WXPROV_ADMIN_PASSWORD to set another.',
    '',
  ].join('\n');
}

/** Shorter would be guessable despite the throttle; the generated one has 16 characters. */
const MIN_PASSWORD = 8;

/** The admin password from the environment, checked; never echoed in an error. */
function givenPassword(env: NodeJS.ProcessEnv): string | undefined {
  const v = env.WXPROV_ADMIN_PASSWORD;
  if (v === undefined || v === '') return undefined;
  if (v.length < MIN_PASSWORD) throw new WxError('CONFIG_INVALID', { name: 'WXPROV_ADMIN_PASSWORD', detail: { zh: `只有 ${v.length} 个字符`, en: `${v.length} characters` }, allowed: { zh: `至少 ${MIN_PASSWORD} 个字符`, en: `${MIN_PASSWORD} characters or more` } });
  return v;
}

/**
 * The fleet dashboard of `wxprov server`: the admin password settled at start (never asked
 * for: WXPROV_ADMIN_PASSWORD, the stored one, or a new one announced once), the sessions and
 * the login throttle of this run, the built renderer, and the routes.
 */
export async function setUpDashboard(o: DashboardOptions): Promise<Dashboard> {
  await ensureAdminPassword(o.db, { given: givenPassword(o.env), now: o.now, log: o.log, announce: o.announcePassword });
  const sessions = new DashboardSessions({ now: () => o.now().getTime(), ...o.sessions });
  const throttle = new LoginThrottle({ now: () => o.now().getTime(), ...o.throttle });
  return {
    routes: dashboardRoutes({ db: o.db, sessions, throttle, files: new DashboardFiles(o.staticDir), now: o.now, timeZone: o.timeZone, log: o.log }),
    authenticate: (cookie) => sessions.check(cookie),
    onStationCall: (station, headers) => noteStationReport(o.db, station, headers, o.now().toISOString(), o.log),
  };
}
