import { WxError } from '../errors/wx-error.js';

/**
 * The station's side of the fleet protocol (v1, ARCHITECTURE.md "The fleet protocol (v1)"; the
 * server builds its answers from these same types). Every answer is checked here
 * before anything of it is used: a field missing or of the wrong kind is FLEET_BAD_RESPONSE,
 * never half a downlink applied.
 */

/**
 * A header the station sends with each authenticated call: how many ledger changes it still
 * has to upload (its fleet_uplink rows not yet acknowledged) when the call is made. The
 * uplink's rows cannot say it (a station with nothing to send sends no uplink), so it rides on
 * every call, the downlink of each sync pass included. The server's dashboard shows the last
 * one (server/dashboard/station-report.ts); a server that does not know it ignores it.
 */
export const UPLINK_PENDING_HEADER = 'x-wxprov-uplink-pending';

export interface DownlinkKey {
  key_version: number;
  public_key_pem: string;
}

export interface DownlinkProduct {
  product_id: number;
  model_name: string | null;
  english_name: string | null;
  chinese_name: string | null;
  default_name: string | null;
  id_template: string | null;
  keys: DownlinkKey[];
  appids: string[];
}

export interface Downlink {
  version: number;
  host_app_id: string;
  station: { code: string; settings: Record<string, unknown> };
  products: DownlinkProduct[];
  revoked: { product_id: number; device_id: string; reason: string }[];
  registrations: { product_id: number; device_id: string; state: 'pending' | 'synced' | 'failed' }[];
}

export interface JoinAnswer {
  station: string;
  credential: string;
  downlink: Downlink;
}

export interface Block {
  block_id: string;
  product_id: number;
  key_version: number;
  ids: { device_id: string; signature: string }[];
}

export interface Signed {
  device_id: string;
  signature: string;
  key_version: number;
}

export interface UplinkAnswer {
  accepted: number;
  duplicates: number;
  conflicts: unknown[];
}

type Obj = Record<string, unknown>;

const bad = (what: string): never => {
  throw new WxError('FLEET_BAD_RESPONSE', { detail: what });
};
const obj = (v: unknown, what: string): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : bad(`${what} is not an object`));
const arr = (v: unknown, what: string): unknown[] => (Array.isArray(v) ? v : bad(`${what} is not a list`));
const int = (v: unknown, what: string): number => (typeof v === 'number' && Number.isSafeInteger(v) ? v : bad(`${what} is not a whole number`));
const text = (v: unknown, what: string): string => (typeof v === 'string' && v !== '' ? v : bad(`${what} is missing`));
const maybeText = (v: unknown, what: string): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : bad(`${what} is not text`));
/** A missing list is an empty one (`revoked`, `registrations` when nothing changed). */
const list = <T>(v: unknown, what: string, each: (x: unknown, w: string) => T): T[] => (v === undefined || v === null ? [] : arr(v, what).map((x, i) => each(x, `${what}[${i}]`)));

function product(v: unknown, what: string): DownlinkProduct {
  const p = obj(v, what);
  return {
    product_id: int(p.product_id, `${what}.product_id`),
    model_name: maybeText(p.model_name, `${what}.model_name`),
    english_name: maybeText(p.english_name, `${what}.english_name`),
    chinese_name: maybeText(p.chinese_name, `${what}.chinese_name`),
    default_name: maybeText(p.default_name, `${what}.default_name`),
    id_template: maybeText(p.id_template, `${what}.id_template`),
    keys: list(p.keys, `${what}.keys`, (k, w) => {
      const o = obj(k, w);
      return { key_version: int(o.key_version, `${w}.key_version`), public_key_pem: text(o.public_key_pem, `${w}.public_key_pem`) };
    }),
    appids: list(p.appids, `${what}.appids`, (a, w) => text(a, w)),
  };
}

export function parseDownlink(v: unknown, what = 'downlink'): Downlink {
  const d = obj(v, what);
  const station = obj(d.station, `${what}.station`);
  return {
    version: int(d.version, `${what}.version`),
    host_app_id: text(d.host_app_id, `${what}.host_app_id`),
    station: { code: text(station.code, `${what}.station.code`), settings: station.settings === undefined ? {} : obj(station.settings, `${what}.station.settings`) },
    products: list(d.products, `${what}.products`, product),
    revoked: list(d.revoked, `${what}.revoked`, (r, w) => {
      const o = obj(r, w);
      return { product_id: int(o.product_id, `${w}.product_id`), device_id: text(o.device_id, `${w}.device_id`), reason: maybeText(o.reason, `${w}.reason`) ?? '' };
    }),
    registrations: list(d.registrations, `${what}.registrations`, (r, w) => {
      const o = obj(r, w);
      const state = o.state;
      if (state !== 'pending' && state !== 'synced' && state !== 'failed') bad(`${w}.state is ${JSON.stringify(state)}`);
      return { product_id: int(o.product_id, `${w}.product_id`), device_id: text(o.device_id, `${w}.device_id`), state: state as 'pending' | 'synced' | 'failed' };
    }),
  };
}

export function parseJoin(v: unknown): JoinAnswer {
  const j = obj(v, 'join answer');
  return { station: text(j.station, 'station'), credential: text(j.credential, 'credential'), downlink: parseDownlink(j.downlink) };
}

export function parseBlock(v: unknown): Block {
  const b = obj(v, 'block');
  return {
    block_id: text(typeof b.block_id === 'number' ? String(b.block_id) : b.block_id, 'block_id'),
    product_id: int(b.product_id, 'product_id'),
    key_version: int(b.key_version, 'key_version'),
    ids: list(b.ids, 'ids', (x, w) => {
      const o = obj(x, w);
      return { device_id: text(o.device_id, `${w}.device_id`), signature: text(o.signature, `${w}.signature`) };
    }),
  };
}

export function parseSigned(v: unknown): Signed {
  const s = obj(v, 'signature answer');
  return { device_id: text(s.device_id, 'device_id'), signature: text(s.signature, 'signature'), key_version: int(s.key_version, 'key_version') };
}

export function parseUplinkAnswer(v: unknown): UplinkAnswer {
  const u = obj(v, 'uplink answer');
  return { accepted: int(u.accepted, 'accepted'), duplicates: int(u.duplicates ?? 0, 'duplicates'), conflicts: u.conflicts === undefined ? [] : arr(u.conflicts, 'conflicts') };
}

/** `POST /v1/mes/check`: the MES's answer the server relayed (a refusal's reason as the MES gave it). */
export type MesCheckAnswer = { ok: true } | { ok: false; reason: string };

export function parseMesCheckAnswer(v: unknown): MesCheckAnswer {
  const u = obj(v, 'MES check answer');
  if (u.ok === true) return { ok: true };
  if (u.ok === false) return { ok: false, reason: typeof u.reason === 'string' ? u.reason : '' };
  return bad('MES check answer has no "ok"');
}

/** What the downlink says of the MES the server holds for its stations (`station.settings.mes`), or undefined. */
export function downlinkMes(settings: Record<string, unknown>): { check: boolean; report: boolean; offline: 'block' | 'allow' } | undefined {
  const m = settings.mes;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return undefined;
  const o = m as Record<string, unknown>;
  return { check: o.check === true, report: o.report === true, offline: o.offline === 'allow' ? 'allow' : 'block' };
}
