import type { CoreContext } from '../context.js';
import type { ErrorCode } from '../errors/codes.js';
import { WxError, isWxError, toPayload, type ErrorPayload, type Words } from '../errors/wx-error.js';
import { allocateFromFleet } from '../fleet/allocate.js';
import { DeviceStore, type DeviceRow } from '../registry/device-store.js';
import { Registry } from '../registry/registry.js';
import { MesOutbox } from '../mes/events.js';
import { UnitResults, type UnitOutcome } from '../registry/unit-results.js';
import { field, fieldMap } from './frame.js';
import type { HostConn } from './host-conn.js';
import { judgeLocked, type UnitIdentity } from './locked-unit.js';
import { preflight, type LineReady } from './preflight.js';
import { runPushTest, type PushTestResult } from './push-test.js';

export type Step = 'hello' | 'mes_check' | 'erase' | 'read' | 'allocate' | 'write' | 'readback' | 'verify' | 'commit' | 'confirm' | 'record' | 'push_test';

/** How far along a unit is at the start of each step, for the progress bar. */
export const STEP_PROGRESS: Record<Step, number> = {
  hello: 0.05,
  mes_check: 0.08,
  erase: 0.1,
  read: 0.15,
  allocate: 0.2,
  write: 0.35,
  readback: 0.5,
  verify: 0.6,
  commit: 0.7,
  confirm: 0.85,
  record: 0.95,
  push_test: 0.97,
};

/**
 * Steps a stop may end a unit at: everything up to sending COMMIT. Once COMMIT is sent the
 * unit may hold its identity, so the confirm and the record are finished whatever happens.
 */
const STOPPABLE: ReadonlySet<Step> = new Set(['hello', 'mes_check', 'erase', 'read', 'allocate', 'write', 'readback', 'verify', 'commit', 'push_test']);

export type { UnitOutcome };

export interface UnitResult {
  result: UnitOutcome;
  device_id: string | null;
  hwid: string | null;
  port: string;
  /** The step the unit ended at: where it failed, or the last one done. */
  step: Step;
  /** Plain words: why it failed, or what was found; null on a clean PASS. */
  reason: string | null;
  reason_zh: string | null;
  code: ErrorCode | null;
  /** A FAIL's error whole: the tile shows its hint to the operator and its engineer detail behind 详情. */
  error: ErrorPayload | null;
  product_id: number;
  key_version: number | null;
  push_test: PushTestResult | null;
  ms: number;
  /** The MES could not be asked and `mes_offline=allow` let the unit go on: its tile says so. */
  mes_offline?: boolean;
}

export interface ProvisionRequest {
  product_id: number;
  key_version?: number;
  /** An id chosen by the engineer instead of the template. */
  device_id?: string;
  /** The scanned barcode, for `{sn}`. */
  sn?: string;
  /** Engineering units: clear the identity first (the id it held is voided). */
  erase?: boolean;
  push_test?: boolean;
  /** The hwid the station's poll saw: the unit answering now must be that one. */
  hwid?: string;
  /** The line's stop: ends the unit at the next step before COMMIT (FAIL, LINE_STOPPED). */
  signal?: AbortSignal;
}

export interface ProvisionEvent {
  port: string;
  step: Step;
  progress: number;
  hwid?: string;
  device_id?: string;
}

/** What the operator does when the unit refuses a command (DEVICE_ERROR's hint). */
const CHECK_FIRMWARE: Words = { zh: '放到一边，交给工程师检查固件', en: 'Set it aside for an engineer to check the firmware' };
const ERASE_REFUSED: Words = { zh: '量产固件不允许擦除：只有开发用的设备可以擦除', en: 'Production firmware refuses ERASE: only development units can be erased' };
const LOCKED_MEANWHILE: Words = { zh: '设备在此期间自己锁定了：取下后重新放上，再读一次', en: 'The unit locked itself meanwhile: take it off and place it again to read it' };
const FLASH_FAILED: Words = { zh: '设备无法写入自身的存储：放到一边', en: 'The unit could not write its flash: set it aside' };

const IDENTITY_KEYS = ['host_app_id', 'product_id', 'key_version', 'device_id', 'signature'] as const;

/** A failure at a step: carries the step so the result can name it. */
class StepFailure extends Error {
  constructor(
    readonly step: Step,
    readonly error: WxError,
  ) {
    super(error.message);
  }
}

/**
 * One unit on one port, from HELLO to a recorded result (WXP/1, PROTOCOL.md):
 * HELLO → (locked: READ and judge the identity, never overwrite) → allocate or re-use the id
 * bound to this hwid, signed and queued for registration before the unit sees it → WRITE →
 * READ back and compare byte for byte → verify the read-back signature → COMMIT → HELLO
 * expects locked and the same hwid → record PASS → the push test, if on. A failure names its
 * step and reason and leaves the allocation bound to the hwid, so the same unit resumes with
 * the same id. `ready` comes from preflight (the station checks once for all its units).
 */
export async function provisionUnit(
  ctx: CoreContext,
  conn: HostConn,
  req: ProvisionRequest,
  onEvent: (e: ProvisionEvent) => void = () => {},
  ready?: LineReady,
): Promise<UnitResult> {
  ready ??= await preflight(ctx, req.product_id, req.key_version);
  let logged = false;
  // Called inside the transaction that writes the unit's last ledger change, when there is one,
  // so the ledger, the results log and the MES report can never disagree after a kill.
  const record = (u: UnitResult) => {
    if (logged) return;
    logged = true;
    logResult(ctx, u, ready.station_code, req.sn ?? null);
  };
  const unit = await provisionOnce(ctx, conn, req, onEvent, ready, record);
  record(unit);
  return unit;
}

/**
 * Every result goes to the results log (the day's counters and `wxprov stats` read it; a FAIL
 * before an id was allocated has no other trace) and, when reporting is on, to the MES outbox —
 * both in one transaction. Logging it can fail without changing what the unit is.
 */
function logResult(ctx: CoreContext, u: UnitResult, station: string, sn: string | null): void {
  try {
    ctx.db.transaction(() => {
      const at = ctx.now().toISOString();
      // The scanned SN, else the one the unit's ledger row holds (a unit scanned on an earlier placement).
      const unitSn = sn ?? (u.device_id ? (new DeviceStore(ctx.db).get(u.product_id, u.device_id)?.sn ?? null) : null);
      new UnitResults(ctx.db).add({ result: u.result, port: u.port, product_id: u.product_id, device_id: u.device_id, hwid: u.hwid, step: u.step, code: u.code, sn: unitSn }, station, new Date(at));
      new MesOutbox(ctx.db).addIfReporting({
        station,
        slot: u.port,
        product_id: u.product_id,
        device_id: u.device_id,
        hwid: u.hwid,
        sn: unitSn,
        result: u.result,
        step: u.step,
        code: u.code,
        key_version: u.key_version,
        push_test: u.push_test?.result ?? null,
        at,
      });
    })();
  } catch (e) {
    ctx.log.error('unit.result_not_logged', { port: u.port, device_id: u.device_id, result: u.result, error: e instanceof Error ? e.message : String(e) });
  }
}

async function provisionOnce(
  ctx: CoreContext,
  conn: HostConn,
  req: ProvisionRequest,
  onEvent: (e: ProvisionEvent) => void,
  ready: LineReady,
  record: (u: UnitResult) => void,
): Promise<UnitResult> {
  const started = Date.now();
  const port = conn.link.path;
  const registry = new Registry(ctx);
  let step: Step = 'hello';
  let hwid: string | null = null;
  let device: DeviceRow | undefined;
  let committing = false;
  let mesOffline = false;
  const emit = (s: Step) => {
    step = s;
    if (STOPPABLE.has(s) && req.signal?.aborted) throw new StepFailure(s, new WxError('LINE_STOPPED'));
    onEvent({ port, step: s, progress: STEP_PROGRESS[s], hwid: hwid ?? undefined, device_id: device?.device_id });
  };
  const ask = async (verb: string, fields: Record<string, string | number> = {}) => {
    try {
      // After COMMIT went out the unit may hold its identity: no stop cuts the confirm short.
      return await conn.request(verb, fields, { step, signal: committing ? undefined : req.signal });
    } catch (e) {
      throw new StepFailure(step, isWxError(e) ? e : new WxError('INTERNAL', { detail: String(e) }));
    }
  };
  const deviceError = (code: string | undefined, msg: string | undefined, hint: Words) =>
    new StepFailure(step, new WxError('DEVICE_ERROR', { step, device_code: code ?? 'UNKNOWN', msg: msg || '—', hint }));
  const result = (outcome: UnitOutcome, extra: Partial<UnitResult> = {}): UnitResult => ({
    result: outcome,
    device_id: device?.device_id ?? null,
    hwid,
    port,
    step,
    reason: null,
    reason_zh: null,
    code: null,
    error: null,
    product_id: req.product_id,
    key_version: device?.key_version ?? null,
    push_test: null,
    ms: Date.now() - started,
    ...(mesOffline ? { mes_offline: true } : {}),
    ...extra,
  });
  const fail = (failedStep: Step, err: unknown, extra: Partial<UnitResult> = {}): UnitResult => {
    const p = toPayload(err);
    ctx.log.warn('unit.fail', { port, hwid, device_id: device?.device_id, step: failedStep, code: p.code });
    return result('FAIL', { step: failedStep, reason: `${p.message_en}. ${p.hint_en}`, reason_zh: `${p.message_zh}。${p.hint_zh}`, code: p.code, error: p, ...extra });
  };
  /** The end-of-line push test on a unit whose identity is recorded: its FAIL is the unit's FAIL. */
  const pushTest = async (passed: UnitResult): Promise<UnitResult> => {
    emit('push_test');
    // The error stays here: what crosses to the UI is the result and its words.
    const { error, ...push } = await runPushTest(ctx, conn, { signal: req.signal });
    ctx.db
      .prepare("INSERT INTO unit_tests (device_row, test, result, detail, at, station, port) VALUES (?, 'push', ?, ?, ?, ?, ?)")
      .run(device!.id, push.result, push.reason ?? `nonce ${push.nonce}, ${push.ms} ms`, ctx.now().toISOString(), device!.station, port);
    if (push.result === 'PASS') return { ...passed, push_test: push, ms: Date.now() - started };
    return fail('push_test', error, { push_test: push });
  };

  try {
    // ── HELLO ───────────────────────────────────────────────────────────────
    emit('hello');
    const hello = await ask('HELLO');
    if (!hello.ok) throw deviceError(hello.code, hello.msg, CHECK_FIRMWARE);
    const proto = field(hello.frame, 'proto');
    if (proto !== '1') throw new StepFailure(step, new WxError('DEVICE_PROTOCOL', { proto: proto ?? 'none' }));
    hwid = field(hello.frame, 'hwid') ?? null;
    if (!hwid) throw new StepFailure(step, new WxError('DEVICE_BAD_ANSWER', { step, detail: 'no hwid in OK HELLO' }));
    if (req.hwid !== undefined && hwid !== req.hwid) throw new StepFailure(step, new WxError('UNIT_CHANGED', { before: req.hwid, after: hwid }));

    // ── the MES route check: before anything is read into the ledger or written ──
    if (ready.mes) {
      emit('mes_check');
      try {
        const asked = await ready.mes.ask({ station: ready.station_code, slot: port, product_id: req.product_id, hwid, sn: req.sn ?? null, operator: ctx.actor }, req.signal);
        if (asked.offline) {
          mesOffline = true;
          ctx.log.warn('mes.check_offline_allowed', { port, hwid, via: ready.mes.via, detail: asked.detail });
        }
      } catch (e) {
        if (req.signal?.aborted) throw new StepFailure('mes_check', new WxError('LINE_STOPPED'));
        throw new StepFailure('mes_check', isWxError(e) ? e : new WxError('INTERNAL', { detail: String(e) }));
      }
    }
    let state = field(hello.frame, 'state');

    if (state === 'locked') {
      emit('read');
      const read = await ask('READ');
      if (!read.ok) throw deviceError(read.code, read.msg, CHECK_FIRMWARE);
      const onUnit = fieldMap(read.frame) as UnitIdentity;
      if (!req.erase) {
        const verdict = judgeLocked(ctx, ready, hwid, onUnit, port);
        const held = { device_id: onUnit.device_id ?? null, key_version: onUnit.key_version ? Number(onUnit.key_version) : null };
        if (verdict.kind === 'refused') return fail('read', verdict.error, held);
        device = verdict.row;
        const found =
          verdict.was === 'unrecorded'
            ? result('PASS', { reason: 'Already committed on the unit; the record was completed now', reason_zh: '设备上已写入；已补全记录' })
            : verdict.was === 'adopted'
              ? result('EXISTING', { reason: 'The unit holds a valid identity of this product, made elsewhere; it is now in the records and queued for registration', reason_zh: '设备已有本产品的有效身份（在别处写入）；已记入本机记录并排队注册' })
              : result('EXISTING', { reason: 'Already provisioned by this station', reason_zh: '本工位已写入过这台设备' });
        return req.push_test ? await pushTest(found) : found;
      }
      emit('erase');
      const erased = await ask('ERASE');
      if (!erased.ok) throw deviceError(erased.code, erased.msg, ERASE_REFUSED);
      voidErased(ctx, registry, req.product_id, hwid, onUnit.device_id, port);
      state = 'blank';
    } else if (req.erase && state !== 'blank') {
      emit('erase');
      const erased = await ask('ERASE');
      if (!erased.ok) throw deviceError(erased.code, erased.msg, ERASE_REFUSED);
    }

    // ── allocate, sign and queue: on the ledger before the unit sees anything ──
    emit('allocate');
    device = ready.fleet
      ? await allocateFromFleet(ctx, registry, { product_id: req.product_id, station_code: ready.station_code, fleet: ready.fleet, hwid, port, device_id: req.device_id, sn: req.sn, signal: req.signal })
      : allocateFor(ctx, registry, ready, req, hwid, port);

    emit('write');
    const identity: Record<(typeof IDENTITY_KEYS)[number], string> = {
      host_app_id: ready.host_app_id,
      product_id: String(device.product_id),
      key_version: String(device.key_version),
      device_id: device.device_id,
      signature: device.signature!,
    };
    const written = await ask('WRITE', identity);
    if (!written.ok) throw deviceError(written.code, written.msg, written.code === 'LOCKED' ? LOCKED_MEANWHILE : CHECK_FIRMWARE);

    emit('readback');
    const read = await ask('READ');
    if (!read.ok) throw deviceError(read.code, read.msg, CHECK_FIRMWARE);
    const back = fieldMap(read.frame);
    for (const k of IDENTITY_KEYS) {
      if (back[k] !== identity[k]) throw new StepFailure(step, new WxError('DEVICE_MISMATCH', { field: k }));
    }

    emit('verify');
    if (!ready.verify(device.product_id, back.device_id, back.signature, Number(back.key_version))) {
      throw new StepFailure(step, new WxError('DEVICE_SIGNATURE_BAD'));
    }

    emit('commit');
    committing = true;
    const committed = await ask('COMMIT');
    if (!committed.ok) throw deviceError(committed.code, committed.msg, committed.code === 'FLASH' ? FLASH_FAILED : CHECK_FIRMWARE);
    registry.devices.update(device.id, { status: 'written', last_error: null, port }, ctx.now().toISOString());

    emit('confirm');
    const again = await ask('HELLO');
    const after = again.ok ? field(again.frame, 'state') : undefined;
    const afterHwid = again.ok ? field(again.frame, 'hwid') : undefined;
    if (afterHwid !== undefined && afterHwid !== hwid) throw new StepFailure(step, new WxError('UNIT_CHANGED', { before: hwid, after: afterHwid }));
    if (after !== 'locked') throw new StepFailure(step, new WxError('DEVICE_NOT_LOCKED', { state: after ?? { zh: '无应答', en: 'no answer' } }));

    emit('record');
    const passed = device;
    let unit!: UnitResult;
    recordPass(ctx, registry, passed, port, !ready.fleet, () => {
      device = registry.devices.byRow(passed.id);
      unit = result('PASS');
      if (!req.push_test) record(unit);
    });
    committing = false;
    return req.push_test ? await pushTest(unit) : unit;
  } catch (e) {
    const failedStep = e instanceof StepFailure ? e.step : step;
    const err = e instanceof StepFailure ? e.error : e;
    if (device && device.status !== 'verified') {
      // The id stays bound to this hwid (status failed, not void): the same unit resumes with it.
      const failed = device;
      return ctx.db.transaction(() => {
        registry.devices.update(failed.id, { status: 'failed', last_error: `${failedStep}: ${toPayload(err).code}`, port }, ctx.now().toISOString());
        device = registry.devices.byRow(failed.id);
        const u = fail(failedStep, err);
        record(u);
        return u;
      }).immediate();
    }
    return fail(failedStep, err);
  }
}

/**
 * The id this hwid already holds (re-placed after a failure), or a fresh one; signed, on the
 * ledger and queued for adddevice in one transaction. Registration is write-ahead: a unit
 * that commits its id and leaves before the station records it (a crash, a fast operator) is
 * registered all the same; an id no unit kept is registered harmlessly.
 */
function allocateFor(ctx: CoreContext, registry: Registry, ready: LineReady, req: ProvisionRequest, hwid: string, port: string): DeviceRow {
  const signer = ready.signer;
  if (!signer) throw new WxError('INTERNAL', { detail: 'no signer for a station on its own' });
  return ctx.db.transaction(() => {
    const at = ctx.now().toISOString();
    const bound = registry.devices.boundToHwid(req.product_id, hwid);
    let row: DeviceRow;
    if (bound && (bound.status === 'allocated' || bound.status === 'failed' || bound.status === 'written')) {
      if (req.device_id !== undefined && req.device_id !== bound.device_id) {
        throw new WxError('DEVICE_ID_DUPLICATE', { device_id: bound.device_id, product_id: req.product_id });
      }
      // Re-sign only if the key changed since; the id itself never changes.
      if (bound.key_version !== signer.key_version || !bound.signature) {
        registry.devices.update(bound.id, { key_version: signer.key_version, signature: signer.sign(bound.device_id) }, at);
      }
      registry.devices.update(bound.id, { status: 'allocated', port, operator: ctx.actor, last_error: null }, at);
      row = registry.devices.byRow(bound.id)!;
    } else {
      const d = registry.allocator.allocate({
        product_id: req.product_id,
        station: ready.station_code,
        operator: ctx.actor,
        at: ctx.now(),
        hwid,
        sn: req.sn,
        port,
        device_id: req.device_id,
        key_version: signer.key_version,
      });
      registry.devices.update(d.id, { signature: signer.sign(d.device_id) }, at);
      row = registry.devices.byRow(d.id)!;
    }
    registry.devices.queue(row.id, row.product_id, row.device_id, at);
    return row;
  }).immediate();
}

/**
 * PASS on the ledger (its registration is already queued; queue() keeps that idempotent). A
 * fleet station queues nothing: the server queued the id when it minted or signed it.
 */
function recordPass(ctx: CoreContext, registry: Registry, device: DeviceRow, port: string, registers: boolean, alsoInside: () => void): void {
  ctx.db.transaction(() => {
    const at = ctx.now().toISOString();
    registry.devices.update(device.id, { status: 'verified', last_error: null, port }, at);
    if (registers) registry.devices.queue(device.id, device.product_id, device.device_id, at);
    alsoInside();
  }).immediate();
}

/**
 * An engineer erased a locked unit: the id it held is dead if it was this unit's in the
 * ledger (never reused, its pending registration cancelled). An id the ledger binds to
 * another hwid is left alone: that other unit still holds it.
 */
function voidErased(ctx: CoreContext, registry: Registry, productId: number, hwid: string, deviceId: string | undefined, port: string): void {
  if (!deviceId) return;
  const row = registry.devices.get(productId, deviceId);
  if (!row || row.status === 'void' || (row.hwid !== null && row.hwid !== hwid)) return;
  ctx.db.transaction(() => registry.devices.markVoid(row.id, `erased on ${port}`, ctx.now().toISOString(), ctx.actor)).immediate();
  ctx.log.info('devices.void', { product_id: productId, device_id: deviceId, reason: 'erased', hwid });
}
