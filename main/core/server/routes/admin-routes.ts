import type { IncomingHttpHeaders } from 'node:http';
import { WxError } from '../../errors/wx-error.js';
import { parseProductId } from '../../ids/validate.js';
import { bodyObject, optionalText, textField } from '../http/body.js';
import type { RequestContext, Route } from '../http/router.js';
import type { ServerKeys } from '../keys/key-service.js';
import { parseTokenChoice } from '../../keys/token-choice.js';
import type { ServerProducts } from '../products/product-service.js';
import type { Queryable } from '../db/server-db.js';
import { listConflicts } from '../fleet/conflicts.js';
import { serverMesStatus, type ServerMesStatus } from '../mes/events.js';
import { checkMesChange, readMesSettings, writeMesSettings } from '../mes/settings.js';
import { exportFleetRecords, type FleetRecordFilter } from '../records/export.js';
import type { RegistrationResult } from '../registrations/pass.js';
import { checkStationCode, DEFAULT_ENROL_TTL_MS, type StationService } from '../stations/station-service.js';

export interface AdminRouteDeps {
  db: Queryable;
  stations: StationService;
  products: ServerProducts;
  keys: ServerKeys;
  /** A registration pass now (after any running one). */
  registerNow(): Promise<RegistrationResult>;
  /** The MES the server holds for its stations: a delivery now, and where its token comes from. */
  mes: { now: () => Date; sync(): Promise<{ status: ServerMesStatus }>; token: 'environment' | 'none' };
}

/** The header the admin commands name their operator in (WXPROV_OPERATOR or the OS user), for the audit log. */
export const ACTOR_HEADER = 'x-wxprov-actor';

export const actorOf = (headers: IncomingHttpHeaders): string => {
  const raw = headers[ACTOR_HEADER];
  const name = (Array.isArray(raw) ? raw[0] : raw ?? '').replace(/[^\p{L}\p{N}._@ -]/gu, '').trim().slice(0, 64);
  return name ? `admin:${name}` : 'admin';
};

const MAX_TTL_S = 30 * 24 * 3600;

function productIdField(o: Record<string, unknown>): number {
  const id = parseProductId(o.product_id);
  if (id === undefined) {
    if (o.product_id === undefined) throw new WxError('INPUT_MISSING', { field: '--product', usage: 'the product_id' });
    throw new WxError('INPUT_INVALID', { field: '--product', detail: String(o.product_id), allowed: 'a positive whole number (the product_id)' });
  }
  return id;
}

/** The records export's filter from the query string (`wxprov server records`). */
function recordFilter(q: URLSearchParams): FleetRecordFilter {
  const f: FleetRecordFilter = {};
  const product = q.get('product_id');
  if (product !== null) f.product_id = productIdField({ product_id: product });
  const station = q.get('station');
  if (station !== null) f.station = checkStationCode(station);
  const since = q.get('since');
  if (since !== null) {
    // Checked before the answer starts: after that an error can only cut it off.
    if (Number.isNaN(Date.parse(since))) throw new WxError('INPUT_INVALID', { field: '--since', detail: since, allowed: 'a date like 2026-11-28 or 2026-11-28T08:00:00Z' });
    f.since = since;
  }
  return f;
}

function ttlMs(o: Record<string, unknown>): number {
  const v = o.ttl_seconds;
  if (v === undefined || v === null) return DEFAULT_ENROL_TTL_MS;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > MAX_TTL_S) throw new WxError('INPUT_INVALID', { field: '--ttl', detail: String(v), allowed: '1s to 30d' });
  return v * 1000;
}

/**
 * The admin's routes (`wxprov server <command> --home <dir>`), all behind the admin token and
 * only from this computer (http/auth.ts). Requests take the actor's name in a header, which
 * goes to the audit log; no request or answer here carries a private key.
 */
export function adminRoutes(d: AdminRouteDeps): Route[] {
  const actor = (ctx: RequestContext) => actorOf(ctx.headers);
  const post = (path: string, handle: Route['handle']): Route => ({ method: 'POST', path, auth: 'admin', handle });
  const get = (path: string, handle: Route['handle']): Route => ({ method: 'GET', path, auth: 'admin', handle });
  return [
    post('/admin/enroll', async (ctx) => {
      const b = bodyObject(ctx.body);
      return { status: 201, body: await d.stations.enroll(textField(b, 'station'), ttlMs(b), actor(ctx)) };
    }),
    post('/admin/revoke', async (ctx) => {
      const { already, ...view } = await d.stations.revoke(textField(bodyObject(ctx.body), 'station'), actor(ctx));
      return { body: { ...view, already_revoked: already } };
    }),
    get('/admin/stations', async () => ({ body: { stations: await d.stations.list() } })),
    get('/admin/products', async () => ({ body: { products: await d.products.list() } })),
    post('/admin/products/create', async (ctx) => {
      const b = bodyObject(ctx.body);
      const p = await d.products.create(
        {
          english_name: optionalText(b, 'english_name'),
          chinese_name: optionalText(b, 'chinese_name'),
          default_name: optionalText(b, 'default_name'),
          model_name: optionalText(b, 'model_name'),
          force: b.force === true,
        },
        actor(ctx),
      );
      return { body: p };
    }),
    post('/admin/products/add', async (ctx) => {
      const b = bodyObject(ctx.body);
      const model = textField(b, 'model_name');
      return {
        body: await d.products.add(
          productIdField(b),
          { model_name: model, english_name: optionalText(b, 'english_name'), chinese_name: optionalText(b, 'chinese_name'), default_name: optionalText(b, 'default_name') },
          actor(ctx),
        ),
      };
    }),
    post('/admin/products/set', async (ctx) => {
      const b = bodyObject(ctx.body);
      return { body: await d.products.set(productIdField(b), { model_name: optionalText(b, 'model_name'), id_template: optionalText(b, 'id_template') }, actor(ctx)) };
    }),
    post('/admin/keys/create', async (ctx) => {
      const b = bodyObject(ctx.body);
      // In a hardware token when the body names one (pkcs11_module + token_label or token_serial), else sealed.
      const token = parseTokenChoice(
        { module: optionalText(b, 'pkcs11_module'), label: optionalText(b, 'token_label'), serial: optionalText(b, 'token_serial') },
        { module: 'pkcs11_module', label: 'token_label', serial: 'token_serial' },
        'a JSON body with "product_id", and "pkcs11_module" with "token_label" or "token_serial" for a key in a token',
      );
      return { body: await d.keys.create(productIdField(b), actor(ctx), token) };
    }),
    get('/admin/keys', async (ctx) => {
      const raw = ctx.query.get('product_id');
      return { body: { keys: await d.keys.list(raw === null ? undefined : productIdField({ product_id: raw })) } };
    }),
    get('/admin/conflicts', async () => ({ body: { conflicts: await listConflicts(d.db) } })),
    post('/admin/sync', async () => ({ body: await d.registerNow() })),
    get('/admin/mes', async () => ({ body: { ...(await readMesSettings(d.db)), token: d.mes.token, ...(await serverMesStatus(d.db)) } })),
    post('/admin/mes', async (ctx) => {
      const change = checkMesChange(bodyObject(ctx.body));
      const settings = await writeMesSettings(d.db, change, d.mes.now().toISOString(), actor(ctx));
      return { body: { ...settings, token: d.mes.token, ...(await serverMesStatus(d.db)) } };
    }),
    post('/admin/mes/sync', async () => {
      const r = await d.mes.sync();
      return { body: { ...(await readMesSettings(d.db)), token: d.mes.token, ...r.status } };
    }),
    get('/admin/records', async (ctx) => {
      const format = ctx.query.get('format') ?? 'csv';
      if (format !== 'csv' && format !== 'json') throw new WxError('INPUT_INVALID', { field: '--format', detail: format, allowed: 'csv | json' });
      const filter = recordFilter(ctx.query);
      return {
        stream: {
          contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
          write: async (out) => void (await exportFleetRecords(d.db, filter, format, out)),
        },
      };
    }),
    post('/admin/bind', async (ctx) => {
      const b = bodyObject(ctx.body);
      return { body: { ok: true, ...(await d.products.bind(productIdField(b), textField(b, 'appid'), actor(ctx))) } };
    }),
  ];
}
