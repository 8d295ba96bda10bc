import type { CoreContext } from '../context.js';
import { WxError } from '../errors/wx-error.js';
import { parsePublicKeyPem, verifyDeviceId } from '../keys/ecdsa.js';
import type { Template } from '../registry/template.js';
import { Registry } from '../registry/registry.js';
import { BlockStore } from './blocks.js';
import { applyDownlink, blockSize, storedDownlink } from './downlink.js';
import { MembershipStore } from './membership.js';
import { blockable, productTemplate, refill } from './refill.js';
import { FleetSession } from './session.js';

/** What a fleet station's line holds on to: where ids come from, and whom to tell when they run low. */
export interface FleetLine {
  session: FleetSession;
  template: Template;
  /** Ids come from blocks (else each is signed online: the template needs {hwid} or {sn}). */
  blockable: boolean;
  /** At or below this many unused ids, a refill is asked for (half a block used). */
  lowWater: number;
  /** Asks for a refill in the background; never awaited on the unit's path. */
  onLow: () => void;
}

export interface FleetLineReady {
  product_id: number;
  model_name: string;
  host_app_id: string;
  station_code: string;
  fleet: FleetLine;
  verify: (productId: number, deviceId: string, signature: string, keyVersion: number) => boolean;
}

export interface FleetLineOptions {
  /** Called when a product's unused ids reach half a block (the caller's FleetWorker.refillSoon). */
  onLow?: () => void;
  session?: FleetSession;
  signal?: AbortSignal;
}

/** A signature checked with the public key of that version the downlink gave; the station holds no private key. */
export function fleetVerifier(ctx: CoreContext) {
  return (productId: number, deviceId: string, signature: string, keyVersion: number): boolean => {
    const pem = ctx.db.prepare('SELECT public_key_pem FROM fleet_keys WHERE product_id = ? AND key_version = ?').pluck().get(productId, keyVersion) as string | undefined;
    if (!pem) throw new WxError('KEY_NOT_FOUND', { product_id: productId, version: ` v${keyVersion}` });
    return verifyDeviceId(parsePublicKeyPem(pem), productId, deviceId, signature);
  };
}

/**
 * A fleet station's pre-flight (serial/preflight.ts for a station on its own): still joined (a
 * revoked station takes no ids), the product one the server assigned, with its model name;
 * the hostAppId from the downlink; the station code the server gave, confirmed on this
 * computer (a copied data dir would use the same pre-signed ids twice). Instead of a key that
 * unseals: an unused pre-signed id of the product, or a server that answers now (a block is
 * taken on the spot; for ids signed online, the server must be reachable). Nothing here
 * touches a unit.
 */
export async function fleetPreflight(ctx: CoreContext, productId: number, o: FleetLineOptions = {}): Promise<FleetLineReady> {
  const m = new MembershipStore(ctx.db).get();
  if (!m) throw new WxError('FLEET_NOT_JOINED');
  if (m.revoked_at) throw new WxError('FLEET_STATION_REVOKED');
  const downlink = storedDownlink(ctx.db);
  if (!downlink?.content.products.some((p) => p.product_id === productId)) throw new WxError('PRODUCT_NOT_FOUND', { product_id: productId });
  const registry = new Registry(ctx);
  const product = registry.requireRegistrable(productId);
  const stationCode = registry.settings.requireStationCode(ctx.machine);
  const template = productTemplate(ctx, productId);
  const session = o.session ?? new FleetSession(ctx);
  const ids = blockable(template);
  const blocks = new BlockStore(ctx.db);
  if (ids && blocks.unused(productId) === 0) {
    const r = await refill(ctx, session, { only: [productId], signal: o.signal });
    const err = r.errors[productId];
    if (err?.code === 'FLEET_STATION_REVOKED') throw new WxError('FLEET_STATION_REVOKED');
    if (blocks.unused(productId) === 0) throw new WxError('FLEET_NO_IDS', { product_id: productId, detail: err ? `${err.code}: ${err.message_en}` : 'the server gave no ids' });
  } else if (!ids) {
    // Every id of this product is signed at the unit: the server must answer now.
    const d = await session.run((c) => c.downlink(downlink.version, { signal: o.signal }));
    applyDownlink(ctx.db, d, ctx.now().toISOString());
  }
  return {
    product_id: productId,
    model_name: product.model_name!,
    host_app_id: storedDownlink(ctx.db)!.host_app_id,
    station_code: stationCode,
    fleet: { session, template, blockable: ids, lowWater: Math.floor(blockSize(downlink.content) / 2), onLow: o.onLow ?? (() => {}) },
    verify: fleetVerifier(ctx),
  };
}

