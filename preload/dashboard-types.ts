/**
 * The factory server's dashboard contract: the JSON its routes under /dashboard/ answer
 * (main/core/server/routes/dashboard-routes.ts) and the fleet view reads (renderer/src/fleet/).
 * Declared once here, beside the IPC contract, for the same reason: the server builds these
 * shapes and the renderer reads them, and neither may drift from the other. Like everything in
 * preload/, it imports nothing from main/.
 */
import type { DeviceStatus, ParetoRow, YieldCounts, YieldPeriod, YieldStats } from './contract-types.js';

export type { DeviceStatus, ParetoRow, YieldCounts, YieldPeriod, YieldStats };

/**
 * `GET /dashboard/stats?station=&product=&since=&until=&by=&tz=`: yield from the stations'
 * results logs, the station's `YieldStats` exactly (same rules, same shape), for one station
 * or (no `station`) the whole fleet. Periods are hours or days in `tz` (default UTC); a slot is
 * a port (`STATION/port` over the whole fleet).
 */
export type FleetYieldAnswer = YieldStats;

export interface StationSummary {
  station: string;
  state: 'enrolled' | 'joined' | 'revoked';
  online: boolean;
  last_contact: string | null;
  joined_at: string | null;
  /** Ledger changes the station still had to upload when it last said (null: it never said). */
  uplink_pending: number | null;
  uplink_reported_at: string | null;
  /** The server's day: ledger rows of this station verified / failed in it. */
  pass: number;
  fail: number;
  /** pass / (pass + fail), null with neither. */
  rate: number | null;
  /** The same day from the station's results log (yield rules): units, and their first-pass yield (null with none). Absent on an older server. */
  units_today?: number;
  fpy_today?: number | null;
}

export interface StationsAnswer {
  at: string;
  day: { date: string; start: string; end: string };
  online_within_s: number;
  stations: StationSummary[];
}

export type ConflictKind = 'id_two_units' | 'hwid_two_ids';

/**
 * A conflict as stations and the admin see it: two records that cannot both be true, side by
 * side. `id_two_units`: one id (product_id, device_id) on two units (hwid ≠ other_hwid); the
 * first side is what the ledger holds, the other what a station reported. `hwid_two_ids`: one
 * unit (hwid = other_hwid) on two live ids. Neither side is merged into the other.
 */
export interface ConflictView {
  id: number;
  kind: ConflictKind;
  product_id: number;
  device_id: string;
  hwid: string | null;
  station: string;
  other_product_id: number;
  other_device_id: string;
  other_hwid: string | null;
  other_station: string;
  first_seen: string;
  last_seen: string;
  seen: number;
}

export interface ConflictsAnswer {
  total: number;
  conflicts: ConflictView[];
}

/** What picks rows of the fleet ledger: the dashboard's search and its CSV export take the same. */
export interface FleetFilter {
  product_id?: number;
  /** A station code, any case (A1 = a1). */
  station?: string;
  status?: DeviceStatus;
  /** An exact id, or a prefix when it ends with `*`. */
  device_id?: string;
  hwid?: string;
  sn?: string;
  /** created_at bounds, ISO; `to` is exclusive. */
  from?: string;
  to?: string;
}

export interface FleetRecord {
  id: number;
  device_id: string;
  product_id: number;
  key_version: number | null;
  signature: string | null;
  hwid: string | null;
  sn: string | null;
  status: DeviceStatus;
  station: string;
  port: string | null;
  operator: string | null;
  created_at: string;
  updated_at: string;
  synced_at: string | null;
  last_error: string | null;
}

export interface FleetPage {
  rows: FleetRecord[];
  /** The cursor of the next (older) page; null on the last. */
  next: string | null;
}

/** The registration worker's state, as the server keeps it. */
export interface RegistrationState {
  /** A quota pause: no adddevice before this (ISO), Beijing midnight. */
  paused_until: string | null;
  last_error: string | null;
  last_errcode: number | null;
  last_error_at: string | null;
  last_success_at: string | null;
}

export interface QueueAnswer extends RegistrationState {
  pending: number;
  failed: number;
  /** When the oldest pending registration was queued. */
  oldest_pending: string | null;
}

/** Products, for the records filter. */
export interface ProductName {
  product_id: number;
  chinese_name: string | null;
  english_name: string | null;
  model_name: string | null;
}
