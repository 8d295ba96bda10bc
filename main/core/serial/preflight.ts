import type { CoreContext } from '../context.js';
import { WxError } from '../errors/wx-error.js';
import { fleetPreflight, type FleetLine, type FleetLineOptions } from '../fleet/line.js';
import { isJoined } from '../fleet/membership.js';
import { KeyService, type Signer } from '../keys/key-service.js';
import { downlinkMes } from '../fleet/protocol.js';
import { storedDownlink } from '../fleet/downlink.js';
import { mesCheck, mesCheckViaServer, type MesCheckRequest } from '../mes/check.js';
import { mesConfig } from '../mes/config.js';
import { mesToken } from '../mes/token.js';
import { DeviceStore } from '../registry/device-store.js';
import { Registry } from '../registry/registry.js';

/** What every unit of a run needs, checked and made ready before any unit is touched. */
export interface LineReady {
  product_id: number;
  model_name: string;
  host_app_id: string;
  station_code: string;
  /** A station on its own: its product key, unsealed. */
  signer?: Signer;
  /** A station in a fleet: ids from the server's blocks or signed by it online; no key here. */
  fleet?: FleetLine;
  /** Checks a signature a unit holds or read back, with the product's public key of that version. */
  verify(productId: number, deviceId: string, signature: string, keyVersion: number): boolean;
  /** Live rows queued now because they were not (see DeviceStore.queueUnqueued). */
  requeued: number;
  /** The MES route check, when `mes_check_url` is set: asked for every unit before anything is written. */
  mes?: MesLine;
}

/** The route check of a run: asked of the MES directly (this station's settings) or through the factory server. */
export interface MesLine {
  /** Where the answer comes from, for the logs. */
  via: 'station' | 'server';
  /** Asks for one unit: throws MES_REJECTED or MES_UNREACHABLE, or says the unit was let through. */
  ask(req: MesCheckRequest, signal?: AbortSignal): Promise<{ offline: boolean; detail?: string }>;
}

/**
 * The route check's settings and token, read once per run (a stored token that cannot be
 * opened stops the run here, not at the first unit). The station's own `mes_check_url` wins;
 * without one, a station whose factory server holds the MES asks it through the server.
 */
function mesLine(ctx: CoreContext, fleet?: FleetLine): MesLine | undefined {
  const config = mesConfig(ctx);
  if (config.checkUrl) {
    const url = config.checkUrl;
    const token = mesToken(ctx);
    return { via: 'station', ask: (req, signal) => mesCheck(req, { url, offline: config.offline, token, signal }) };
  }
  const held = fleet ? downlinkMes(storedDownlink(ctx.db)?.content.station.settings ?? {}) : undefined;
  if (!fleet || !held?.check) return undefined;
  return { via: 'server', ask: (req, signal) => mesCheckViaServer(fleet, held.offline, req, signal) };
}

export interface PreflightOptions {
  /** A fleet station: whom to tell when half a block is used (the line's FleetWorker). */
  fleet?: FleetLineOptions;
}

/**
 * Checks everything a unit will need before the first ERASE or WRITE, so a station that
 * cannot finish a unit never starts one: the product and its model name (adddevice needs
 * it), the hostAppId the unit must hold, a station code confirmed on this computer (ids are
 * minted from it), and a key that can be unsealed now (the signature is made before WRITE).
 * Throws the first missing thing as its own error; nothing is written to a unit or minted.
 * Also queues every live ledger row that is not queued yet: a unit may hold it.
 *
 * A station that joined a factory server checks instead what fleet/line.ts says (an unused
 * pre-signed id or a server that answers, the hostAppId and products from the downlink) and
 * queues nothing: registration is the server's.
 */
export async function preflight(ctx: CoreContext, productId: number, keyVersion?: number, o: PreflightOptions = {}): Promise<LineReady> {
  if (isJoined(ctx.db)) {
    const ready = await fleetPreflight(ctx, productId, o.fleet);
    return { ...ready, requeued: 0, mes: mesLine(ctx, ready.fleet) };
  }
  const registry = new Registry(ctx);
  const product = registry.requireRegistrable(productId);
  const hostAppId = ctx.env.appid;
  if (!hostAppId) throw new WxError('CONFIG_MISSING', { what: 'AppID', name: 'WXPROV_APPID' });
  const stationCode = registry.settings.requireStationCode(ctx.machine);
  const keys = new KeyService(ctx);
  const signer = keys.signer(productId, keyVersion);
  const requeued = new DeviceStore(ctx.db).queueUnqueued(ctx.now().toISOString());
  if (requeued > 0) ctx.log.warn('registry.requeued', { count: requeued });
  return {
    product_id: productId,
    model_name: product.model_name!,
    host_app_id: hostAppId,
    station_code: stationCode,
    signer,
    verify: (pid, deviceId, signature, kv) => keys.verify(pid, deviceId, signature, kv).valid,
    requeued,
    mes: mesLine(ctx),
  };
}
