/**
 * The shapes the core's answers take when they cross to the UI, owned by the contract (see
 * contract.ts, which re-exports them). They are written for the edge, not copied from the core:
 * the contract depends on nothing, and the app layer (main/core/app) is where a core value must
 * fit one of these — a core type that drifts from its shape here fails to compile there.
 */

/** A parameter of an error text, said in each language when it is a word. */
export type ErrorParam = string | number | undefined | { zh: string; en: string };

/** A stable error the UI shows in its language. */
export interface ErrorPayload {
  /** A stable code (main/core/errors/codes.ts); the UI compares it, never parses the text. */
  code: string;
  /** The platform's errcode, when it gave one. */
  errcode?: number;
  message_zh: string;
  message_en: string;
  /** What the operator does next: never a command or an environment variable. */
  hint_zh: string;
  hint_en: string;
  /** For engineers only (commands, variables, firmware detail): shown behind 详情. */
  engineer_zh?: string;
  engineer_en?: string;
  params?: Record<string, ErrorParam>;
}

/** A product key pair as the UI sees it: the public half, never the sealed private one. */
export interface KeyInfo {
  product_id: number;
  /** null while the platform has not answered registerpubkey yet. */
  key_version: number | null;
  public_key_pem: string;
  origin: 'created' | 'imported';
  state: 'registering' | 'active';
  created_at: string;
  created_by: string;
}

export interface ProductView {
  product_id: number;
  english_name: string | null;
  chinese_name: string | null;
  default_name: string | null;
  model_name: string | null;
  created_at: string;
  created_by: string;
  origin: 'created' | 'recorded';
  /** The device id template; null or absent means the default. */
  id_template?: string | null;
  /** Key versions the platform has registered. */
  key_versions: number[];
  /** Mini programs bound to the product. */
  appids: string[];
}

export type DeviceStatus = 'allocated' | 'written' | 'verified' | 'failed' | 'void';

/** One ledger row. */
export interface DeviceRecord {
  id: number;
  product_id: number;
  device_id: string;
  key_version: number | null;
  signature: string | null;
  hwid: string | null;
  sn: string | null;
  /** JSON of an id file's other columns, or null. */
  extra: string | null;
  status: DeviceStatus;
  station: string;
  operator: string;
  port: string | null;
  created_at: string;
  updated_at: string;
  synced_at: string | null;
  last_error: string | null;
}

export interface DevicePage {
  rows: DeviceRecord[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  next: string | null;
}

export interface QueueStats {
  pending: number;
  failed: number;
  synced: number;
  /** created_at of the oldest pending registration, or null when nothing waits. */
  oldest: string | null;
}

export interface SyncResult {
  synced: number;
  failed: number;
  pending: number;
  calls: number;
  /** Why the run stopped early, if it did; everything not synced is still queued. */
  error?: ErrorPayload;
  paused_until?: string;
  /** Ids by outcome: `synced`, or the code they were refused or left pending with. */
  by_code: Record<string, number>;
  /** Ids were refused and marked failed. */
  refused?: ErrorPayload;
}

export type SyncPhase = 'idle' | 'syncing' | 'retrying' | 'paused' | 'stopped' | 'offline';

export interface SyncStatus {
  phase: SyncPhase;
  queue: QueueStats;
  progress?: { done: number; total: number };
  last_result?: SyncResult;
  last_error?: ErrorPayload;
  /** When the sync will try again by itself (ISO), if it will. */
  next_attempt_at?: string;
}

export interface PortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  /** USB topology (e.g. 1-1.2): stable for a fixture slot even when COM names change. */
  location?: string;
  /** A symlink's real path. */
  target?: string;
  /** Where it came from: serialport's list, a scan of /dev, a symlink, a pseudo-terminal, a path given before, or the ADB server's device list. */
  source: 'serialport' | 'scan' | 'link' | 'pty' | 'given' | 'adb';
  /** An Android unit on ADB (source `adb`; path `adb:<serial>`, `adbusb:<usb>` pins the USB port): its state — `device` is ready, `unauthorized` waits for the debugging prompt to be accepted on its screen. */
  adb?: { serial: string; state: string; usb?: string; model?: string };
}

export interface SlotCounters {
  port: string;
  pass: number;
  fail: number;
  existing: number;
  /** PASS / (PASS + FAIL); null before the first unit. */
  pass_rate: number | null;
}

export type Step = 'hello' | 'mes_check' | 'erase' | 'read' | 'allocate' | 'write' | 'readback' | 'verify' | 'commit' | 'confirm' | 'record' | 'push_test';

export interface PushTestResult {
  result: 'PASS' | 'FAIL';
  nonce: string;
  reason: string | null;
  reason_zh: string | null;
  ms: number;
  /** Why it failed (the unit's `error` says the same). */
  error?: ErrorPayload;
}

export interface UnitResult {
  result: 'PASS' | 'FAIL' | 'EXISTING';
  device_id: string | null;
  hwid: string | null;
  port: string;
  /** The step the unit ended at: where it failed, or the last one done. */
  step: Step;
  /** Plain words: why it failed, or what was found; null on a clean PASS. */
  reason: string | null;
  reason_zh: string | null;
  code: string | null;
  /** A FAIL's error whole: the tile shows its hint to the operator and its engineer detail behind 详情. */
  error: ErrorPayload | null;
  product_id: number;
  key_version: number | null;
  push_test: PushTestResult | null;
  ms: number;
  /** The MES check could not be asked and `mes_offline=allow` let the unit go on: the tile says so. */
  mes_offline?: boolean;
}

/** Counts of one group of placements' results (a period, a slot, a station, or all). */
export interface YieldCounts {
  /** Units: distinct hwids whose first placement in the range falls here (a result with no hwid is a unit of its own). */
  units: number;
  pass: number;
  fail: number;
  existing: number;
  /** Units whose first placement's result was PASS. */
  first_pass: number;
  /** first_pass / units; null with no units. */
  fpy: number | null;
}

export interface YieldPeriod extends YieldCounts {
  /** ISO start of the hour or day, on the station's clock in its time zone. */
  start: string;
  end: string;
}

export interface ParetoRow {
  step: string;
  code: string;
  count: number;
  /** count / all failures, 0..1. */
  share: number;
  /** Running total of share, in descending order of count. */
  cumulative: number;
}

/** `wxprov stats` and the records screen's statistics tab: from the results log, every placement's result. */
export interface YieldStats {
  product_id: number | null;
  since: string | null;
  until: string | null;
  by: 'hour' | 'day';
  time_zone: string;
  totals: YieldCounts;
  periods: YieldPeriod[];
  slots: (YieldCounts & { slot: string })[];
  stations: (YieldCounts & { station: string | null })[];
  pareto: ParetoRow[];
}

/** The line screen's strip: this station today. */
export interface LineYield {
  /** Start of the current hour and of today, ISO. */
  hour_start: string;
  day_start: string;
  slots: { slot: string; units_hour: number; units_today: number; fpy_today: number | null }[];
  /** Today's hours so far, oldest first. */
  hourly: { start: string; units: number; pass: number; fail: number }[];
}

/** The MES settings as the setup screen shows them (the token's value never crosses). */
export interface MesSettingsView {
  check_url: string | null;
  report_url: string | null;
  offline: 'block' | 'allow';
  /** Where the token comes from: WXPROV_MES_TOKEN, the key store, or nowhere. */
  token: 'environment' | 'stored' | 'none';
}

/** The report outbox (`wxprov mes status`). */
export interface MesStatus {
  pending: number;
  last_error: string | null;
  last_sent_at: string | null;
  /** Events the MES refused outright (4xx): kept, not sent again. */
  refused: number;
  sent: number;
  /** When the next attempt is due after a failure, or null. */
  next_attempt_at: string | null;
}
