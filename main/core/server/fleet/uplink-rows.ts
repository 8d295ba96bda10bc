import { WxError } from '../../errors/wx-error.js';
import { DEVICE_ID_RE } from '../../ids/validate.js';
import type { DeviceStatus } from '../../registry/device-store.js';

/** Rows one uplink request may carry (a station sends up to 2,000 at a time: UPLINK_BATCH). */
export const MAX_UPLINK_ROWS = 5000;
/** …in a body of at most this many bytes. */
export const UPLINK_BODY_LIMIT = 8 * 1024 * 1024;

export type UplinkKind = 'device' | 'unit_test' | 'void';

/**
 * One result a station reported (its `unit_results` row, kind `result`: station migration
 * 0014), PASS / FAIL / EXISTING, with or without an id. Sent once, at version 1, under the
 * NEGATIVE of the station's results row id (`row_id` ≤ -1), a key space its ledger rows never
 * use; `src_row` is that results row id. Older stations never send one.
 */
export interface UplinkResultRow {
  /** The row's place in its station's outbox (see UplinkRow.seq). */
  seq?: number;
  row_id: number;
  version: 1;
  kind: 'result';
  src_row: number;
  product_id: number;
  result: 'PASS' | 'FAIL' | 'EXISTING';
  device_id: string | null;
  hwid: string | null;
  /** The scanned SN (stations from migration 0015 on; null when none, or an older station). */
  sn: string | null;
  step: string;
  code: string | null;
  at: string;
  port: string | null;
}

/** Any row an uplink request may carry: a ledger row's change, or a result. */
export type UplinkItem = UplinkRow | UplinkResultRow;

export const isResultRow = (r: UplinkItem): r is UplinkResultRow => r.kind === 'result';

/** One change of a station's ledger row, as the fleet protocol carries it (a station's fleet_uplink payload). */
export interface UplinkRow {
  /**
   * The row's place in its station's outbox (`fleet_uplink.id`), from stations that send it
   * (server migration 0010): the server takes a station's rows up to a place (`uplink_marks`)
   * instead of a receipt per row. Every row of a request has one, in rising order, or none has.
   */
  seq?: number;
  row_id: number;
  version: number;
  kind: UplinkKind;
  product_id: number;
  device_id: string;
  status: DeviceStatus;
  hwid: string | null;
  sn: string | null;
  signature: string | null;
  key_version: number | null;
  port: string | null;
  operator: string | null;
  created_at: string;
  updated_at: string;
  last_error: string | null;
  test: { test: string; result: 'PASS' | 'FAIL'; detail: string | null; at: string; port: string | null } | null;
}

const KINDS = new Set<UplinkKind>(['device', 'unit_test', 'void']);
const STATUSES = new Set<DeviceStatus>(['allocated', 'written', 'verified', 'failed', 'void']);

type Obj = Record<string, unknown>;

/**
 * The rows of an uplink request, checked before any is stored: a row the ledger could not
 * hold (a field missing or of the wrong kind) refuses the whole request with FLEET_BAD_REQUEST
 * naming it — its station's uplink stops there until an engineer looks, rather than the server
 * dropping a row on the floor. Fields the server does not know are ignored.
 */
export function parseUplinkRows(body: unknown): UplinkItem[] {
  const b = body as { rows?: unknown } | undefined;
  if (!b || !Array.isArray(b.rows)) throw new WxError('FLEET_BAD_REQUEST', { detail: 'the body needs "rows": a list' });
  if (b.rows.length > MAX_UPLINK_ROWS) throw new WxError('FLEET_BAD_REQUEST', { detail: `${b.rows.length} rows, over ${MAX_UPLINK_ROWS} in one request` });
  const rows = b.rows.map((r, i) => parseRow(r, `rows[${i}]`));
  checkSeqs(rows);
  return rows;
}

/** Every row with its outbox place, in the order the outbox holds them, or none with one: the server's mark is only right for a batch sent in order. */
function checkSeqs(rows: readonly UplinkItem[]): void {
  const first = rows[0]?.seq;
  for (let i = 0; i < rows.length; i++) {
    const seq = rows[i].seq;
    if ((seq === undefined) !== (first === undefined)) throw new WxError('FLEET_BAD_REQUEST', { detail: `rows[${i}]: seq on some rows and not others (every row carries one, or none does)` });
    if (i > 0 && seq !== undefined && seq <= rows[i - 1].seq!) throw new WxError('FLEET_BAD_REQUEST', { detail: `rows[${i}]: seq ${seq} is not above the row before it (${rows[i - 1].seq}): rows go in their outbox's order` });
  }
}

/** ISO times as stations write them pass as they are (PostgreSQL reads them); anything else is parsed, or refused. */
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)$/;

class RowError extends Error {}

const fail = (detail: string): never => {
  throw new RowError(detail);
};

function int(o: Obj, name: string): number {
  const x = o[name];
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 1 ? x : fail(`${name} is not a whole number ≥ 1`);
}

function text(o: Obj, name: string, max: number): string | null {
  const x = o[name];
  if (x === undefined || x === null) return null;
  if (typeof x !== 'string') return fail(`${name} is not text`);
  return x.length > max ? fail(`${name} is over ${max} characters`) : x;
}

function time(x: unknown, name: string): string {
  if (typeof x === 'string' && ISO.test(x) && !Number.isNaN(Date.parse(x))) return x;
  const ms = typeof x === 'string' ? Date.parse(x) : NaN;
  return Number.isNaN(ms) ? fail(`${name} is not a time`) : new Date(ms).toISOString();
}

function parseRow(v: unknown, at: string): UplinkItem {
  try {
    const r = row(v);
    const seq = (v as Obj).seq;
    if (seq !== undefined && seq !== null) r.seq = int(v as Obj, 'seq');
    return r;
  } catch (e) {
    if (e instanceof RowError) throw new WxError('FLEET_BAD_REQUEST', { detail: `${at}: ${e.message}` });
    throw e;
  }
}

const RESULTS = new Set(['PASS', 'FAIL', 'EXISTING']);

/** A result row, checked whole as a ledger row is. */
function resultRow(o: Obj): UplinkResultRow {
  const rowId = o.row_id;
  if (typeof rowId !== 'number' || !Number.isSafeInteger(rowId) || rowId > -1) fail('row_id of a result is not a whole number ≤ -1');
  if (o.version !== 1) fail('version of a result is not 1');
  const result = o.result;
  if (typeof result !== 'string' || !RESULTS.has(result)) fail(`result ${JSON.stringify(result)}`);
  const deviceId = o.device_id;
  if (deviceId !== undefined && deviceId !== null && (typeof deviceId !== 'string' || !DEVICE_ID_RE.test(deviceId))) fail('device_id is not a device id');
  const step = text(o, 'step', 64);
  if (!step) fail('step is missing');
  return {
    row_id: rowId as number,
    version: 1,
    kind: 'result',
    src_row: -(rowId as number),
    product_id: int(o, 'product_id'),
    result: result as UplinkResultRow['result'],
    device_id: (deviceId as string | null | undefined) || null,
    // An empty hwid is none: '' must not make two units one.
    hwid: text(o, 'hwid', 256) || null,
    sn: text(o, 'sn', 256) || null,
    step: step as string,
    code: text(o, 'code', 128) || null,
    at: time(o.at, 'at'),
    port: text(o, 'port', 256),
  };
}

function row(v: unknown): UplinkItem {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('not an object');
  const o = v as Obj;
  if (o.kind === 'result') return resultRow(o);
  const kind = (o.kind ?? 'device') as UplinkKind;
  if (!KINDS.has(kind)) fail(`kind ${JSON.stringify(o.kind)}`);
  const status = o.status as DeviceStatus;
  if (!STATUSES.has(status)) fail(`status ${JSON.stringify(o.status)}`);
  const deviceId = o.device_id;
  if (typeof deviceId !== 'string' || !DEVICE_ID_RE.test(deviceId)) fail('device_id is not a device id');
  let test: UplinkRow['test'] = null;
  if (kind === 'unit_test') {
    const t = o.test as Obj | undefined;
    if (!t || typeof t !== 'object') return fail('a unit_test row without "test"');
    const result = t.result;
    if (result !== 'PASS' && result !== 'FAIL') fail(`test.result ${JSON.stringify(result)}`);
    if (typeof t.test !== 'string' || !t.test) fail('test.test is missing');
    test = {
      test: (t.test as string).slice(0, 64),
      result: result as 'PASS' | 'FAIL',
      detail: typeof t.detail === 'string' ? t.detail.slice(0, 4096) : null,
      at: time(t.at, 'test.at'),
      port: typeof t.port === 'string' ? t.port.slice(0, 256) : null,
    };
  }
  const createdAt = time(o.created_at, 'created_at');
  return {
    row_id: int(o, 'row_id'),
    version: int(o, 'version'),
    kind,
    product_id: int(o, 'product_id'),
    device_id: deviceId as string,
    status,
    // An empty hwid or sn is none: '' must not count as a unit two ids share.
    hwid: text(o, 'hwid', 256) || null,
    sn: text(o, 'sn', 256) || null,
    signature: text(o, 'signature', 256),
    key_version: o.key_version === undefined || o.key_version === null ? null : int(o, 'key_version'),
    port: text(o, 'port', 256),
    operator: text(o, 'operator', 256),
    created_at: createdAt,
    updated_at: o.updated_at === undefined || o.updated_at === null ? createdAt : time(o.updated_at, 'updated_at'),
    last_error: text(o, 'last_error', 4096),
    test,
  };
}
