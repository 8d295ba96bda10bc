import { WxError } from '../../errors/wx-error.js';
import { parseProductId } from '../../ids/validate.js';
import type { Logger } from '../../log/logger.js';
import type { MesCheckRequest } from '../../mes/check.js';
import type { ServerDb } from '../db/server-db.js';
import { DEFAULT_BLOCK, MAX_BLOCK, type BlockService } from '../fleet/blocks.js';
import { buildDownlink } from '../fleet/downlink.js';
import type { SignService } from '../fleet/sign.js';
import { UPLINK_CONCURRENCY, ingestUplink } from '../fleet/uplink.js';
import { UPLINK_BODY_LIMIT, parseUplinkRows } from '../fleet/uplink-rows.js';
import { bodyObject, optionalText, textField } from '../http/body.js';
import type { Route } from '../http/router.js';
import type { StationService } from '../stations/station-service.js';
import { Gate } from '../../util/gate.js';

export interface StationRouteDeps {
  db: ServerDb;
  stations: StationService;
  blocks: BlockService;
  signing: SignService;
  now: () => Date;
  log: Logger;
  /** WXPROV_APPID of the server's environment: the host app every station's units are made for. */
  hostAppId: string | undefined;
  /** The route check the server asks the MES for its stations (server/mes/check.ts). */
  mesCheck(req: MesCheckRequest): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** An uplink came in: its results may have MES events to send. */
  onUplink(): void;
}

function since(q: URLSearchParams): number | undefined {
  const raw = q.get('since');
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new WxError('INPUT_INVALID', { field: 'since', detail: raw, allowed: 'the version of the last downlink (a whole number)' });
  return Number(raw);
}

function productField(o: Record<string, unknown>): number {
  const id = parseProductId(o.product_id);
  if (id === undefined) {
    if (o.product_id === undefined) throw new WxError('INPUT_MISSING', { field: 'product_id', usage: 'a JSON body with "product_id"' });
    throw new WxError('INPUT_INVALID', { field: 'product_id', detail: String(o.product_id), allowed: 'a positive whole number' });
  }
  return id;
}

/** A station's request id: 1-128 printable characters, or none (then the request is not idempotent). */
function requestId(o: Record<string, unknown>): string | undefined {
  const v = optionalText(o, 'request_id')?.trim();
  if (v === undefined || v === '') return undefined;
  if (v.length > 128 || !/^[\x21-\x7e]+$/.test(v)) throw new WxError('INPUT_INVALID', { field: 'request_id', detail: v.slice(0, 40), allowed: '1-128 printable characters' });
  return v;
}

function countField(o: Record<string, unknown>): number {
  const v = o.count;
  if (v === undefined || v === null) return DEFAULT_BLOCK;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > MAX_BLOCK) throw new WxError('INPUT_INVALID', { field: 'count', detail: String(v), allowed: `1-${MAX_BLOCK}` });
  return v;
}

/** Text a unit reported (hwid, sn, its slot, its operator), at most `max` characters. */
function unitText(o: Record<string, unknown>, name: string, max = 256): string | undefined {
  const v = optionalText(o, name);
  if (v !== undefined && v.length > max) throw new WxError('INPUT_INVALID', { field: name, detail: `${v.length} characters`, allowed: `at most ${max}` });
  return v || undefined;
}

/** What stations call (fleet protocol v1): join with an enrolment code, then everything else with the credential it gave. */
export function stationRoutes(d: StationRouteDeps): Route[] {
  const uplinks = new Gate(UPLINK_CONCURRENCY);
  return [
    {
      method: 'POST',
      path: '/v1/join',
      auth: 'none',
      bodyLimit: 4096,
      async handle({ body }) {
        const b = bodyObject(body);
        // Checked before the code is used up: a join the server cannot complete must leave it usable.
        if (!d.hostAppId) throw new WxError('FLEET_SERVER_NOT_READY', { what: 'AppID', name: 'WXPROV_APPID' });
        const joined = await d.stations.join(optionalText(b, 'station')?.trim() || undefined, textField(b, 'code'));
        const downlink = await buildDownlink(d.db, joined.station, { hostAppId: d.hostAppId });
        return { body: { station: joined.station, credential: joined.credential, downlink } };
      },
    },
    {
      method: 'GET',
      path: '/v1/downlink',
      auth: 'station',
      async handle({ station, query }) {
        return { body: await buildDownlink(d.db, station!.code, { hostAppId: d.hostAppId, since: since(query) }) };
      },
    },
    {
      method: 'POST',
      path: '/v1/blocks',
      auth: 'station',
      async handle({ station, body }) {
        const b = bodyObject(body);
        return { body: await d.blocks.mint(station!.code, productField(b), countField(b), requestId(b)) };
      },
    },
    {
      method: 'POST',
      path: '/v1/sign',
      auth: 'station',
      async handle({ station, body }) {
        const b = bodyObject(body);
        const req = { product_id: productField(b), device_id: textField(b, 'device_id'), hwid: unitText(b, 'hwid'), sn: unitText(b, 'sn'), request_id: requestId(b) };
        return { body: await d.signing.sign(station!.code, req) };
      },
    },
    {
      method: 'POST',
      path: '/v1/uplink',
      auth: 'station',
      bodyLimit: UPLINK_BODY_LIMIT,
      gate: uplinks,
      async handle({ station, body }) {
        const rows = parseUplinkRows(body);
        const answer = await ingestUplink(d.db, station!.code, rows, d.now().toISOString(), d.log);
        d.onUplink();
        return { body: answer };
      },
    },
    {
      method: 'POST',
      path: '/v1/mes/check',
      auth: 'station',
      bodyLimit: 8192,
      async handle({ station, body }) {
        const b = bodyObject(body);
        const hwid = unitText(b, 'hwid');
        if (!hwid) throw new WxError('INPUT_MISSING', { field: 'hwid', usage: "a JSON body with the unit's \"hwid\"" });
        // The station is the authenticated one, not the body's word.
        const req = { station: station!.code, slot: unitText(b, 'slot') ?? '', product_id: productField(b), hwid, sn: unitText(b, 'sn') ?? null, operator: unitText(b, 'operator', 128) ?? '' };
        return { body: await d.mesCheck(req) };
      },
    },
  ];
}
