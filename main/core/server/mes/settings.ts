import { WxError } from '../../errors/wx-error.js';
import { isMesUrl } from '../../mes/report-outcome.js';
import type { Queryable } from '../db/server-db.js';

/** The settings row the server keeps its MES hooks in (for all its stations). */
export const MES_SETTING = 'mes';

export interface ServerMesSettings {
  check_url: string | null;
  report_url: string | null;
  offline: 'block' | 'allow';
}

const EMPTY: ServerMesSettings = { check_url: null, report_url: null, offline: 'block' };

export async function readMesSettings(q: Queryable): Promise<ServerMesSettings> {
  const r = await q.query<{ value: Partial<ServerMesSettings> }>('SELECT value FROM settings WHERE key = $1', [MES_SETTING]);
  return { ...EMPTY, ...(r.rows[0]?.value ?? {}) };
}

/** What a change may hold, checked whole before anything is written; an empty address turns that hook off. */
export function checkMesChange(b: Record<string, unknown>): Partial<ServerMesSettings> {
  const change: Partial<ServerMesSettings> = {};
  for (const [key, flag] of [
    ['check_url', '--check-url'],
    ['report_url', '--report-url'],
  ] as const) {
    const v = b[key];
    if (v === undefined) continue;
    if (v !== null && typeof v !== 'string') throw new WxError('SETTING_INVALID', { key: flag, value: String(v), allowed: 'an http:// or https:// address, or empty to turn it off' });
    const url = (v ?? '').trim();
    if (url !== '' && !isMesUrl(url)) throw new WxError('SETTING_INVALID', { key: flag, value: url, allowed: 'an http:// or https:// address, or empty to turn it off' });
    change[key] = url || null;
  }
  if (b.offline !== undefined) {
    if (b.offline !== 'block' && b.offline !== 'allow') throw new WxError('SETTING_INVALID', { key: '--offline', value: String(b.offline), allowed: 'block (units wait while the MES cannot be asked) or allow (they go on, marked)' });
    change.offline = b.offline;
  }
  return change;
}

export async function writeMesSettings(q: Queryable, change: Partial<ServerMesSettings>, at: string, by: string): Promise<ServerMesSettings> {
  await q.query(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2::jsonb, $3::timestamptz, $4)
     ON CONFLICT (key) DO UPDATE SET value = settings.value || EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
    [MES_SETTING, JSON.stringify(change), at, by],
  );
  return readMesSettings(q);
}

/**
 * What the downlink tells stations (`station.settings.mes`): that the server asks the MES for
 * them (`check`), reports for them (`report`), and what a unit does when the MES cannot be asked.
 * No address and no token: those stay on the server.
 */
export async function mesForStations(q: Queryable): Promise<{ check: boolean; report: boolean; offline: 'block' | 'allow' } | undefined> {
  const s = await readMesSettings(q);
  if (!s.check_url && !s.report_url) return undefined;
  return { check: Boolean(s.check_url), report: Boolean(s.report_url), offline: s.offline };
}
