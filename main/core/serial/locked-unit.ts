import type { CoreContext } from '../context.js';
import { WxError } from '../errors/wx-error.js';
import type { DeviceRow } from '../registry/device-store.js';
import { revokedReason } from '../fleet/downlink.js';
import { Registry } from '../registry/registry.js';
import type { LineReady } from './preflight.js';

/** The five values as READ gave them (a key the unit did not send is undefined). */
export type UnitIdentity = Partial<Record<'host_app_id' | 'product_id' | 'key_version' | 'device_id' | 'signature', string>>;

/** What a locked unit's identity is to this station. */
export type LockedVerdict =
  /** Ours, and the ledger now says so: `row` is verified, matches the unit and is queued. */
  | { kind: 'ours'; row: DeviceRow; was: 'verified' | 'unrecorded' | 'adopted' }
  /** Must be set aside: never shown green. */
  | { kind: 'refused'; error: WxError };

/**
 * Whether an identity found on a locked unit is one of this product's, by what the unit holds
 * — not by where it came from. Another product or hostAppId, or a signature that does not
 * verify with this product's key of the version the unit names, is foreign: that unit cannot
 * activate as this product. Otherwise the ledger is made to match the unit: a row this
 * station allocated to this hwid is completed; a row without a unit yet (allocated in bulk,
 * flashed elsewhere) is bound to this hwid; an id the ledger has never seen (flashed at
 * another station) is adopted — every one verified and queued, so the unit is registered.
 * An id the ledger holds for another hwid, or voided, is refused: two units must never share
 * an id, and a voided id must not ship.
 */
export function judgeLocked(ctx: CoreContext, ready: LineReady, hwid: string, unit: UnitIdentity, port: string): LockedVerdict {
  const foreign = (detail: string): LockedVerdict => ({ kind: 'refused', error: new WxError('UNIT_FOREIGN_IDENTITY', { detail }) });
  const { host_app_id, product_id, key_version, device_id, signature } = unit;
  if (product_id !== String(ready.product_id) || host_app_id !== ready.host_app_id) {
    return foreign(`product ${product_id ?? '-'}, hostAppId ${host_app_id ?? '-'}, device id ${device_id ?? '-'}`);
  }
  const kv = Number(key_version);
  if (!device_id || !signature || !Number.isSafeInteger(kv) || !verifies(ready, device_id, signature, kv)) {
    return foreign(`device id ${device_id ?? '-'}: its signature does not verify with key version ${key_version ?? '-'} of product ${ready.product_id}`);
  }

  const registry = new Registry(ctx);
  return ctx.db.transaction((): LockedVerdict => {
    const at = ctx.now().toISOString();
    const devices = registry.devices;
    let row = devices.get(ready.product_id, device_id);
    let was: 'verified' | 'unrecorded' | 'adopted';
    // An id the factory server voided anywhere in the fleet must not ship, even one this station never saw.
    const revoked = ready.fleet && (!row || row.status !== 'void') ? revokedReason(ctx.db, ready.product_id, device_id) : undefined;
    if (revoked !== undefined) return { kind: 'refused', error: new WxError('UNIT_ID_VOID', { device_id, reason: revoked || 'revoked by the factory server' }) };
    if (!row) {
      const id = devices.insert({
        product_id: ready.product_id,
        device_id,
        key_version: kv,
        signature,
        hwid,
        sn: null,
        extra: null,
        status: 'verified',
        station: '',
        operator: ctx.actor,
        port,
        created_at: at,
      })!;
      row = devices.byRow(id)!;
      was = 'adopted';
    } else if (row.status === 'void') {
      return { kind: 'refused', error: new WxError('UNIT_ID_VOID', { device_id, reason: (row.last_error ?? '').replace(/^void: /, '') || '-' }) };
    } else if (row.hwid !== null && row.hwid !== hwid) {
      return { kind: 'refused', error: new WxError('UNIT_ID_ELSEWHERE', { device_id, hwid: row.hwid }) };
    } else {
      was = row.hwid === null ? 'adopted' : row.status === 'verified' ? 'verified' : 'unrecorded';
      // The unit is the truth now: its signature (a re-signed row may differ) and key version.
      devices.update(row.id, { hwid, signature, key_version: kv, status: 'verified', last_error: null, port }, at);
    }
    // A fleet station registers nothing: the server queues what it minted, and learns of this row by the uplink.
    if (!ready.fleet) devices.queue(row.id, ready.product_id, device_id, at);
    // This hwid holds this id and no other: rows allocated to it earlier that it never kept are dead.
    for (const other of devices.liveForHwid(ready.product_id, hwid)) {
      if (other.id !== row.id) devices.markVoid(other.id, `unit ${hwid} holds ${device_id}`, at, ctx.actor);
    }
    return { kind: 'ours', row: devices.byRow(row.id)!, was };
  }).immediate();
}

function verifies(ready: LineReady, deviceId: string, signature: string, keyVersion: number): boolean {
  try {
    return ready.verify(ready.product_id, deviceId, signature, keyVersion);
  } catch {
    return false; // no key of that version, or a signature that is not even base64 DER
  }
}
