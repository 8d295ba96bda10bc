import type { CoreContext } from '../context.js';
import { WxError, isWxError, toPayload, type ErrorPayload } from '../errors/wx-error.js';
import { DEFAULT_TEMPLATE, parseTemplate, type Template } from '../registry/template.js';
import { BlockStore } from './blocks.js';
import { blockSize, storedDownlink } from './downlink.js';
import type { FleetSession } from './session.js';

/** A product's template as the downlink gave it (the station's product table holds it). */
export function productTemplate(ctx: CoreContext, productId: number): Template {
  const row = ctx.db.prepare('SELECT id_template FROM products WHERE product_id = ?').get(productId) as { id_template: string | null } | undefined;
  return parseTemplate(row?.id_template ?? DEFAULT_TEMPLATE);
}

/**
 * Whether the server can mint a product's ids ahead of the unit: not when the id carries
 * something only the unit knows ({hwid}, or the scanned {sn}); those are signed online.
 */
export const blockable = (t: Template): boolean => !t.needs.hwid && !t.needs.sn;

export interface RefillResult {
  /** Ids added per product in this pass. */
  taken: Record<string, number>;
  /** The first error per product that could not be refilled. */
  errors: Record<string, ErrorPayload>;
}

/** Errors after which asking for the next product's block is pointless this time. */
const STOP: ReadonlySet<string> = new Set(['FLEET_OFFLINE', 'FLEET_STATION_REVOKED', 'FLEET_CERT_MISMATCH', 'KEY_PASSPHRASE_REQUIRED', 'KEYSTORE_LOCKED', 'KEYSTORE_NOT_SET_UP', 'FLEET_CREDENTIAL_UNSEAL_FAILED']);

/**
 * Tops up the blocks: a product whose unused ids are down to half a block (or none, at join)
 * gets one more block. Products whose ids need the unit ({hwid}, {sn}) get none. `only`
 * limits the pass to some products.
 */
export async function refill(ctx: CoreContext, session: FleetSession, o: { only?: readonly number[]; signal?: AbortSignal } = {}): Promise<RefillResult> {
  const store = new BlockStore(ctx.db);
  const downlink = storedDownlink(ctx.db)?.content;
  const size = blockSize(downlink);
  const out: RefillResult = { taken: {}, errors: {} };
  for (const p of downlink?.products ?? []) {
    if (o.only && !o.only.includes(p.product_id)) continue;
    if (o.signal?.aborted) break;
    let t: Template;
    try {
      t = productTemplate(ctx, p.product_id);
    } catch (e) {
      out.errors[p.product_id] = toPayload(e);
      continue;
    }
    if (!blockable(t) || store.unused(p.product_id) > size / 2) continue;
    const req = store.request(p.product_id, size, ctx.now().toISOString());
    try {
      const block = await session.run((c) => c.block(p.product_id, req.count, req.request_id, { signal: o.signal }));
      if (block.product_id !== p.product_id) throw new WxError('FLEET_BAD_RESPONSE', { detail: `asked for product ${p.product_id}, got a block of ${block.product_id}` });
      const n = store.store(block, req.request_id, ctx.now().toISOString());
      out.taken[p.product_id] = n;
      ctx.log.info('fleet.block', { product_id: p.product_id, block_id: block.block_id, ids: n });
    } catch (e) {
      out.errors[p.product_id] = toPayload(e);
      ctx.log.warn('fleet.block_failed', { product_id: p.product_id, code: out.errors[p.product_id].code });
      if (isWxError(e) && STOP.has(e.code)) break;
    }
  }
  return out;
}
