import type { CoreContext } from '../context.js';
import type { ErrorCode } from '../errors/codes.js';
import { WxError, isWxError, toPayload } from '../errors/wx-error.js';
import { KeyService, type Signer } from '../keys/key-service.js';
import { Registry } from '../registry/registry.js';
import type { DeviceRow } from '../registry/device-store.js';
import { field, fieldMap } from './frame.js';
import type { HostConn } from './host-conn.js';
import { runPushTest, type PushTestResult } from './push-test.js';

export type Step = 'hello' | 'erase' | 'read' | 'allocate' | 'write' | 'readback' | 'verify' | 'commit' | 'confirm' | 'record' | 'push-test';

/** How far along a unit is at the start of each step, for the progress bar. */
export const STEP_PROGRESS: Record<Step, number> = {
  hello: 0.05,
  erase: 0.1,
  read: 0.15,
  allocate: 0.2,
  write: 0.35,
  readback: 0.5,
  verify: 0.6,
  commit: 0.7,
  confirm: 0.85,
  record: 0.95,
  'push-test': 0.97,
};

export type UnitOutcome = 'PASS' | 'FAIL' | 'EXISTING';

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
  product_id: number;
  key_version: number | null;
  push_test: PushTestResult | null;
  ms: number;
}

export interface Timing {
  /** Per answer (HELLO, WRITE, READ, TOKEN). */
  answerMs: number;
  tries: number;
  /** COMMIT writes flash: allowed longer. */
  commitMs: number;
  /** The push test waits this long for EVENT PUSH. */
  pushMs: number;
}

export const DEFAULT_TIMING: Timing = { answerMs: 500, tries: 3, commitMs: 3000, pushMs: 15000 };

export interface ProvisionRequest {
  product_id: number;
  key_version?: number;
  /** An id chosen by the engineer instead of the template. */
  device_id?: string;
  /** The scanned barcode, for `{sn}`. */
  sn?: string;
  /** Engineering units: clear the identity first. */
  erase?: boolean;
  push_test?: boolean;
  timing?: Partial<Timing>;
}

export interface ProvisionEvent {
  port: string;
  step: Step;
  progress: number;
  hwid?: string;
  device_id?: string;
}

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
 * One unit on one port, from HELLO to a recorded PASS (WXP/1, PROTOCOL.md):
 * HELLO → (locked: READ and report, never overwrite) → allocate or re-use the id bound to
 * this hwid, signed, written to the ledger before the unit sees it → WRITE → READ back and
 * compare byte for byte → verify the read-back signature → COMMIT → HELLO expects locked →
 * record PASS and queue adddevice. A failure names its step and reason, and leaves the
 * allocation bound to the hwid so the same unit resumes with the same id.
 */
export async function provisionUnit(
  ctx: CoreContext,
  conn: HostConn,
  req: ProvisionRequest,
  onEvent: (e: ProvisionEvent) => void = () => {},
  signerCache?: Map<string, Signer>,
): Promise<UnitResult> {
  const started = Date.now();
  const t: Timing = { ...DEFAULT_TIMING, ...req.timing };
  const port = conn.link.path;
  const registry = new Registry(ctx);
  const keys = new KeyService(ctx);
  let step: Step = 'hello';
  let hwid: string | null = null;
  let device: DeviceRow | undefined;
  const emit = (s: Step) => {
    step = s;
    onEvent({ port, step: s, progress: STEP_PROGRESS[s], hwid: hwid ?? undefined, device_id: device?.device_id });
  };
  const ask = async (verb: string, fields: Record<string, string | number> = {}, timeoutMs = t.answerMs, tries = t.tries) => {
    try {
      return await conn.request(verb, fields, { step, timeoutMs, tries });
    } catch (e) {
      throw new StepFailure(step, isWxError(e) ? e : new WxError('INTERNAL', { detail: String(e) }));
    }
  };
  const deviceError = (code: string | undefined, msg: string | undefined, hint: string) =>
    new StepFailure(step, new WxError('DEVICE_ERROR', { step, device_code: code ?? 'UNKNOWN', msg: msg ? ` (${msg})` : '', hint }));
  const result = (outcome: UnitOutcome, extra: Partial<UnitResult> = {}): UnitResult => ({
    result: outcome,
    device_id: device?.device_id ?? null,
    hwid,
    port,
    step,
    reason: null,
    reason_zh: null,
    code: null,
    product_id: req.product_id,
    key_version: device?.key_version ?? null,
    push_test: null,
    ms: Date.now() - started,
    ...extra,
  });

  try {
    const product = registry.requireRegistrable(req.product_id);
    // The unit needs the hostAppId itself; the secret is only for API calls (sync, push test).
    const hostAppId = ctx.env.appid;
    if (!hostAppId) throw new WxError('CONFIG_MISSING', { name: 'WXPROV_APPID' });
    const cacheKey = `${product.product_id}/${req.key_version ?? 'latest'}`;
    const signer = signerCache?.get(cacheKey) ?? keys.signer(product.product_id, req.key_version);
    signerCache?.set(cacheKey, signer);

    // ── HELLO ───────────────────────────────────────────────────────────────
    emit('hello');
    const hello = await ask('HELLO');
    if (!hello.ok) throw deviceError(hello.code, hello.msg, 'Check the firmware');
    const proto = field(hello.frame, 'proto');
    if (proto !== '1') throw new StepFailure(step, new WxError('DEVICE_PROTOCOL', { proto: proto ?? 'none' }));
    hwid = field(hello.frame, 'hwid') ?? null;
    if (!hwid) throw new StepFailure(step, new WxError('DEVICE_BAD_ANSWER', { step, detail: 'no hwid in OK HELLO' }));
    let state = field(hello.frame, 'state');

    if (req.erase && state !== 'blank') {
      emit('erase');
      const erased = await ask('ERASE');
      if (!erased.ok) throw deviceError(erased.code, erased.msg, 'Production firmware refuses ERASE: only development units can be erased');
      state = 'blank';
    }

    if (state === 'locked') {
      emit('read');
      return await reportLocked(ctx, conn, req, registry, keys, hwid, ask, deviceError, (d) => (device = d), result);
    }

    // ── allocate and sign, on the ledger before the unit sees anything ─────
    emit('allocate');
    device = allocateFor(ctx, registry, signer, req, hwid, port);

    emit('write');
    const identity: Record<(typeof IDENTITY_KEYS)[number], string> = {
      host_app_id: hostAppId,
      product_id: String(device.product_id),
      key_version: String(device.key_version),
      device_id: device.device_id,
      signature: device.signature!,
    };
    const written = await ask('WRITE', identity);
    if (!written.ok) throw deviceError(written.code, written.msg, written.code === 'LOCKED' ? 'The unit locked itself meanwhile: run it again to read it' : 'Check the firmware');

    emit('readback');
    const read = await ask('READ');
    if (!read.ok) throw deviceError(read.code, read.msg, 'Check the firmware');
    const back = fieldMap(read.frame);
    for (const k of IDENTITY_KEYS) {
      if (back[k] !== identity[k]) throw new StepFailure(step, new WxError('DEVICE_MISMATCH', { field: k }));
    }

    emit('verify');
    if (!keys.verify(device.product_id, back.device_id, back.signature, Number(back.key_version)).valid) {
      throw new StepFailure(step, new WxError('DEVICE_SIGNATURE_BAD'));
    }

    emit('commit');
    const committed = await ask('COMMIT', {}, t.commitMs);
    if (!committed.ok) throw deviceError(committed.code, committed.msg, committed.code === 'FLASH' ? 'The unit could not write its flash: set it aside' : 'Check the firmware');
    registry.devices.update(device.id, { status: 'written', last_error: null, port }, ctx.now().toISOString());

    emit('confirm');
    const again = await ask('HELLO');
    const after = again.ok ? field(again.frame, 'state') : undefined;
    if (after !== 'locked' || field(again.frame, 'hwid') !== hwid) {
      throw new StepFailure(step, new WxError('DEVICE_NOT_LOCKED', { state: after ?? 'no answer' }));
    }

    emit('record');
    recordPass(ctx, registry, device, port);
    device = registry.devices.byRow(device.id);

    if (req.push_test) {
      emit('push-test');
      const push = await runPushTest(ctx, conn, { answerMs: t.answerMs, tries: t.tries, waitMs: t.pushMs });
      ctx.db
        .prepare("INSERT INTO unit_tests (device_row, test, result, detail, at, station, port) VALUES (?, 'push', ?, ?, ?, ?, ?)")
        .run(device!.id, push.result, push.reason ?? `nonce ${push.nonce}, ${push.ms} ms`, ctx.now().toISOString(), device!.station, port);
      return result('PASS', push.result === 'PASS' ? { push_test: push } : { push_test: push, reason: push.reason, reason_zh: push.reason_zh });
    }
    return result('PASS');
  } catch (e) {
    const failedStep = e instanceof StepFailure ? e.step : step;
    const err = e instanceof StepFailure ? e.error : e;
    const p = toPayload(err);
    if (device) {
      // The id stays bound to this hwid (status failed, not void): the same unit resumes with it.
      registry.devices.update(device.id, { status: 'failed', last_error: `${failedStep}: ${p.code}`, port }, ctx.now().toISOString());
      device = registry.devices.byRow(device.id);
    }
    ctx.log.warn('unit.fail', { port, hwid, device_id: device?.device_id, step: failedStep, code: p.code });
    return result('FAIL', { step: failedStep, reason: `${p.message_en}. ${p.hint_en}`, reason_zh: `${p.message_zh}。${p.hint_zh}`, code: p.code });
  }
}

/** The id this hwid already holds (re-plugged after a failure), or a fresh one; signed, on the ledger. */
function allocateFor(ctx: CoreContext, registry: Registry, signer: Signer, req: ProvisionRequest, hwid: string, port: string): DeviceRow {
  return ctx.db.transaction(() => {
    const bound = registry.devices.boundToHwid(req.product_id, hwid);
    if (bound && (bound.status === 'allocated' || bound.status === 'failed' || bound.status === 'written')) {
      if (req.device_id !== undefined && req.device_id !== bound.device_id) {
        throw new WxError('DEVICE_ID_DUPLICATE', { device_id: bound.device_id, product_id: req.product_id });
      }
      // Re-sign only if the key changed since; the id itself never changes.
      if (bound.key_version !== signer.key_version || !bound.signature) {
        registry.devices.update(bound.id, { key_version: signer.key_version, signature: signer.sign(bound.device_id) }, ctx.now().toISOString());
      }
      registry.devices.update(bound.id, { status: 'allocated', port, operator: ctx.actor, last_error: null }, ctx.now().toISOString());
      return registry.devices.byRow(bound.id)!;
    }
    const station = registry.settings.stationCode();
    const d = registry.allocator.allocate({
      product_id: req.product_id,
      station,
      operator: ctx.actor,
      at: ctx.now(),
      hwid,
      sn: req.sn,
      port,
      device_id: req.device_id,
      key_version: signer.key_version,
    });
    registry.devices.update(d.id, { signature: signer.sign(d.device_id) }, ctx.now().toISOString());
    return registry.devices.byRow(d.id)!;
  }).immediate();
}

/** PASS on the ledger and the registration queued, in one transaction. */
function recordPass(ctx: CoreContext, registry: Registry, device: DeviceRow, port: string): void {
  ctx.db.transaction(() => {
    const at = ctx.now().toISOString();
    registry.devices.update(device.id, { status: 'verified', last_error: null, port }, at);
    registry.devices.queue(device.id, device.product_id, device.device_id, at);
  }).immediate();
}

type Ask = (verb: string, fields?: Record<string, string | number>, timeoutMs?: number, tries?: number) => ReturnType<HostConn['request']>;

/**
 * A locked unit is never overwritten. If its identity is one this station allocated to this
 * hwid and did not finish recording (the station stopped after COMMIT), the record is
 * completed now; otherwise the identity is reported as it is.
 */
async function reportLocked(
  ctx: CoreContext,
  conn: HostConn,
  req: ProvisionRequest,
  registry: Registry,
  keys: KeyService,
  hwid: string,
  ask: Ask,
  deviceError: (code: string | undefined, msg: string | undefined, hint: string) => Error,
  setDevice: (d: DeviceRow) => void,
  result: (o: UnitOutcome, extra?: Partial<UnitResult>) => UnitResult,
): Promise<UnitResult> {
  const read = await ask('READ');
  if (!read.ok) throw deviceError(read.code, read.msg, 'Check the firmware');
  const back = fieldMap(read.frame);
  const onUnit = { device_id: back.device_id ?? null, key_version: back.key_version ? Number(back.key_version) : null };
  if (back.product_id !== String(req.product_id)) {
    const e = new WxError('DEVICE_LOCKED_OTHER', { product_id: back.product_id ?? '?' }).toPayload();
    return result('EXISTING', { ...onUnit, reason: e.message_en, reason_zh: e.message_zh, code: e.code });
  }
  const mine = back.device_id ? registry.devices.get(req.product_id, back.device_id) : undefined;
  if (mine && mine.hwid === hwid) {
    setDevice(mine);
    if (mine.status !== 'verified') {
      const valid = back.signature !== undefined && keys.verify(req.product_id, back.device_id, back.signature, Number(back.key_version)).valid;
      if (valid && back.signature === mine.signature) {
        recordPass(ctx, registry, mine, conn.link.path);
        setDevice(registry.devices.byRow(mine.id)!);
        return result('PASS', { ...onUnit, reason: 'Already committed on the unit; the record was completed now', reason_zh: '设备上已写入；已补全记录' });
      }
    }
    return result('EXISTING', { ...onUnit, reason: 'Already provisioned by this station', reason_zh: '本工位已写入过这台设备' });
  }
  return result('EXISTING', { ...onUnit, reason: 'The unit already holds an identity; it was not overwritten', reason_zh: '设备已有身份，未覆盖' });
}
