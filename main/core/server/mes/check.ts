import { WxError, isWxError } from '../../errors/wx-error.js';
import { parseProductId } from '../../ids/validate.js';
import { mesCheck } from '../../mes/check.js';
import type { FetchFn } from '../../mes/http.js';
import type { Queryable } from '../db/server-db.js';
import { readMesSettings } from './settings.js';

const text = (b: Record<string, unknown>, name: string, max: number): string | null => {
  const v = b[name];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || v.length > max) throw new WxError('INPUT_INVALID', { field: name, detail: typeof v === 'string' ? `${v.length} characters` : typeof v, allowed: `text of at most ${max} characters` });
  return v;
};

/**
 * `POST /v1/mes/check`: a station's route check, asked of the MES by the server with the
 * server's token (stations hold neither address nor token). The station is the authenticated
 * one, not the body's word. Refused → `{ok: false, reason}`; no answer → MES_UNREACHABLE (503),
 * and the station applies the offline rule the downlink gave it.
 */
export async function serverMesCheck(q: Queryable, o: { token?: string; fetch?: FetchFn }, station: string, b: Record<string, unknown>): Promise<{ ok: true } | { ok: false; reason: string }> {
  const s = await readMesSettings(q);
  if (!s.check_url) throw new WxError('MES_UNREACHABLE', { detail: 'the factory server has no MES check address' });
  const product_id = parseProductId(b.product_id);
  if (product_id === undefined) throw new WxError('INPUT_INVALID', { field: 'product_id', detail: String(b.product_id), allowed: 'a positive whole number' });
  const hwid = text(b, 'hwid', 256);
  if (!hwid) throw new WxError('INPUT_MISSING', { field: 'hwid', usage: 'the unit\'s hwid' });
  const req = { station, slot: text(b, 'slot', 256) ?? '', product_id, hwid, sn: text(b, 'sn', 256), operator: text(b, 'operator', 128) ?? '' };
  try {
    await mesCheck(req, { url: s.check_url, offline: 'block', token: o.token, fetch: o.fetch });
    return { ok: true };
  } catch (e) {
    if (isWxError(e) && e.code === 'MES_REJECTED') return { ok: false, reason: String(e.params.reason ?? '') };
    throw e;
  }
}
