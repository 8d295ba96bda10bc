import { WxError } from '../../errors/wx-error.js';
import type { Downlink as WireDownlink } from '../../fleet/protocol.js';
import type { Queryable } from '../db/server-db.js';
import { mesForStations } from '../mes/settings.js';
import { CONFLICT_VIEW, type ConflictView } from './conflicts.js';

/**
 * What a station is told: the fleet protocol's Downlink (ARCHITECTURE.md "The fleet protocol
 * (v1)"), declared once in fleet/protocol.ts, which parses it on the station; the server adds
 * the conflicts this station is a side of (either side), found at or after `since`.
 */
export interface Downlink extends WireDownlink {
  conflicts: ConflictView[];
}

/** Fleet-wide station settings (a settings row), each station's own on top. */
export const STATION_DEFAULTS_SETTING = 'station_defaults';

/**
 * The downlink for one station: everything it needs to work offline (host AppID, products
 * with their templates, public keys and bound mini programs, its settings), plus what changed
 * at or after `since` (ids voided anywhere in the fleet, this station's ids whose registration
 * state moved, conflicts it is a side of).
 *
 * `version` is snapshot-safe (migration 0004): the oldest transaction still running when it
 * was read, so every change stamped below it is visible to the reads below, and every change
 * at or above it comes again with the next downlink (`>= since`). A change can therefore be
 * sent twice, never skipped; the station applies each list idempotently. It is read first,
 * before any list: what those reads see can only be newer.
 */
export async function buildDownlink(q: Queryable, station: string, o: { hostAppId: string | undefined; since?: number }): Promise<Downlink> {
  if (!o.hostAppId) throw new WxError('FLEET_SERVER_NOT_READY', { what: 'AppID', name: 'WXPROV_APPID' });
  const since = o.since ?? 0;
  const version = (await q.query<{ v: number }>('SELECT fleet_version_now() AS v')).rows[0].v;
  const settings = (
    await q.query<{ settings: Record<string, unknown> }>(
      `SELECT COALESCE((SELECT value FROM settings WHERE key = $2), '{}'::jsonb) || s.settings AS settings FROM stations s WHERE s.code = $1`,
      [station, STATION_DEFAULTS_SETTING],
    )
  ).rows[0]?.settings ?? {};
  // The server holds the MES for its stations: they learn that it does, never where or with what token.
  const mes = await mesForStations(q);
  if (mes) settings.mes = mes;
  const products = (
    await q.query<Downlink['products'][number]>(
      `SELECT p.product_id, p.model_name, p.english_name, p.chinese_name, p.default_name, p.id_template,
         (SELECT COALESCE(jsonb_agg(jsonb_build_object('key_version', k.key_version, 'public_key_pem', k.public_key_pem) ORDER BY k.key_version), '[]'::jsonb)
            FROM product_keys k WHERE k.product_id = p.product_id AND k.state = 'active') AS keys,
         (SELECT COALESCE(jsonb_agg(a.appid ORDER BY a.bound_at, a.appid), '[]'::jsonb) FROM product_apps a WHERE a.product_id = p.product_id) AS appids
       FROM products p ORDER BY p.product_id`,
    )
  ).rows;
  const revoked = (
    await q.query<Downlink['revoked'][number]>(
      `SELECT product_id, device_id, void_reason AS reason FROM devices WHERE status = 'void' AND version >= $1 ORDER BY version, id`,
      [since],
    )
  ).rows;
  const registrations = (
    await q.query<Downlink['registrations'][number]>(
      `SELECT r.product_id, r.device_id, r.state FROM registrations r JOIN devices d ON d.product_id = r.product_id AND d.device_id = r.device_id
       WHERE d.station = $1 AND r.version >= $2 AND r.state IN ('pending', 'synced', 'failed') ORDER BY r.version, r.id`,
      [station, since],
    )
  ).rows;
  const conflicts = (
    await q.query<ConflictView>(`${CONFLICT_VIEW} WHERE (c.station = $1 OR c.other_station = $1) AND c.version >= $2 ORDER BY c.version, c.id`, [station, since])
  ).rows;
  return { version, host_app_id: o.hostAppId, station: { code: station, settings }, products, revoked, registrations, conflicts };
}
