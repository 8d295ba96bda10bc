import type { CoreContext } from '../context.js';
import type { ErrorPayload } from '../errors/wx-error.js';
import { BlockStore } from './blocks.js';
import { applyDownlink, fleetProductIds, storedDownlink } from './downlink.js';
import { refill } from './refill.js';
import type { FleetSession } from './session.js';
import { sendUplink, type UplinkResult } from './uplink.js';

export interface FleetSyncResult {
  uplink: UplinkResult;
  downlink_version: number | null;
  /** Ids taken in new blocks this pass, per product. */
  taken: Record<string, number>;
  /** Unused pre-signed ids per product after the pass. */
  blocks: Record<string, number>;
  /** Products whose block could not be refilled, and why. */
  errors: Record<string, ErrorPayload>;
}

/**
 * One exchange with the server, in this order: the uplink (so the server knows what was used
 * before it answers), the downlink (products, keys, revocations, registration states), then
 * blocks for products down to half a block. An uplink or downlink failure ends the pass with
 * its error (FLEET_STATION_REVOKED, FLEET_OFFLINE, ...); a block that could not be taken is
 * reported per product.
 */
export async function fleetSync(ctx: CoreContext, session: FleetSession, o: { signal?: AbortSignal; batch?: number } = {}): Promise<FleetSyncResult> {
  const uplink = await sendUplink(ctx, session, o);
  const since = storedDownlink(ctx.db)?.version;
  const d = await session.run((c) => c.downlink(since, { signal: o.signal }));
  applyDownlink(ctx.db, d, ctx.now().toISOString());
  const r = await refill(ctx, session, { signal: o.signal });
  return {
    uplink,
    downlink_version: d.version,
    taken: r.taken,
    blocks: new BlockStore(ctx.db).unusedBy(fleetProductIds(ctx.db)),
    errors: r.errors,
  };
}
