import { WxError, isWxError } from '../../errors/wx-error.js';
import { mesCheck, type MesCheckRequest } from '../../mes/check.js';
import type { FetchFn } from '../../mes/http.js';
import type { Queryable } from '../db/server-db.js';
import { readMesSettings } from './settings.js';

/**
 * `POST /v1/mes/check`: a station's route check, asked of the MES by the server with the
 * server's token (stations hold neither address nor token). The station is the authenticated
 * one, not the body's word. Refused → `{ok: false, reason}`; no answer → MES_UNREACHABLE (503),
 * and the station applies the offline rule the downlink gave it.
 */
export async function serverMesCheck(q: Queryable, o: { token?: string; fetch?: FetchFn }, req: MesCheckRequest): Promise<{ ok: true } | { ok: false; reason: string }> {
  const s = await readMesSettings(q);
  if (!s.check_url) throw new WxError('MES_UNREACHABLE', { detail: 'the factory server has no MES check address' });
  try {
    await mesCheck(req, { url: s.check_url, offline: 'block', token: o.token, fetch: o.fetch });
    return { ok: true };
  } catch (e) {
    if (isWxError(e) && e.code === 'MES_REJECTED') return { ok: false, reason: String(e.params.reason ?? '') };
    throw e;
  }
}
