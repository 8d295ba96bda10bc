import type { Db } from '../db/open.js';
import { Settings } from '../registry/settings.js';
import { BlockStore } from './blocks.js';
import { fleetProductIds, storedDownlink } from './downlink.js';
import { MembershipStore } from './membership.js';
import { UplinkStore } from './uplink.js';

export interface FleetStatus {
  server: string | null;
  station_code: string | null;
  /** Ledger changes not yet acknowledged by the server. */
  uplink_pending: number;
  last_contact: string | null;
  /** Unused pre-signed ids per product the server assigned. */
  blocks: Record<string, number>;
  joined: boolean;
  fingerprint: string | null;
  joined_at: string | null;
  revoked: boolean;
  downlink_version: number | null;
  host_app_id: string | null;
  last_error: string | null;
  last_error_at: string | null;
  /** Conflicts the server reported about this station's rows (a hwid with two ids, an id on two units). */
  conflicts: number;
}

/** What `wxprov fleet status` prints; read from the ledger alone (no network). */
export function fleetStatus(db: Db): FleetStatus {
  const m = new MembershipStore(db).get();
  const d = storedDownlink(db);
  const uplink = new UplinkStore(db);
  return {
    server: m?.server_url ?? null,
    station_code: m?.station_code ?? new Settings(db).get('station_code') ?? null,
    uplink_pending: uplink.pending(),
    last_contact: m?.last_contact_at ?? null,
    blocks: m ? new BlockStore(db).unusedBy(fleetProductIds(db)) : {},
    joined: m !== undefined,
    fingerprint: m?.fingerprint ?? null,
    joined_at: m?.joined_at ?? null,
    revoked: m?.revoked_at != null,
    downlink_version: d?.version ?? null,
    host_app_id: d?.host_app_id ?? null,
    last_error: m?.last_error ?? null,
    last_error_at: m?.last_error_at ?? null,
    conflicts: uplink.conflicts(),
  };
}
