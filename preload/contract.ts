/**
 * The one IPC contract between the UI and the main process, declared once: every message is
 * an entry below with the zod schema of its input, what it may do while the operator lock is
 * on, and the type of its answer. The Electron main registers one handler per entry (channel
 * `wxprov:<name>`), the loopback bridge of `wxprov ui` serves the same entries over HTTP, and
 * the renderer calls them through `WxprovApi` — all three from this table, so a message cannot
 * exist on one side only.
 *
 * Nothing here can return the AppSecret, an access token or a private key: the renderer can
 * only ask main to *use* them. This file imports no Electron, no Node and nothing from main/:
 * the shapes of the core's answers are the contract's own (contract-types.ts), and of the core
 * only the app layer (main/core/app) imports the contract (test/unit/boundaries.test.ts).
 */
import { z } from 'zod';
import type { DevicePage, ErrorPayload, KeyInfo, LineYield, MesSettingsView, MesStatus, PortInfo, ProductView, QueueStats, SlotCounters, Step, SyncResult, SyncStatus, UnitResult, YieldStats } from './contract-types.js';

export type {
  DevicePage,
  DeviceRecord,
  DeviceStatus,
  ErrorParam,
  ErrorPayload,
  KeyInfo,
  LineYield,
  MesSettingsView,
  MesStatus,
  ParetoRow,
  PortInfo,
  ProductView,
  PushTestResult,
  QueueStats,
  SlotCounters,
  Step,
  SyncPhase,
  SyncResult,
  SyncStatus,
  UnitResult,
  YieldCounts,
  YieldPeriod,
  YieldStats,
} from './contract-types.js';

/** What crosses the edge: a value, or a stable error the UI shows in its language. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

// ── shared shapes ──────────────────────────────────────────────────────────

export type Mode = 'simulation' | 'real';
export type Locale = 'zh-CN' | 'en';

export interface Slot {
  /** What the operator sees on the tile: "1", "A", ... */
  name: string;
  /** A path (/dev/ttyUSB0, COM3, a pty), `sn:<USB serial>` / `loc:<USB location>`, a networked jig `tcp:<host>:<port>`, or an Android unit `adb:<serial>` / `adbusb:<USB port path>`. */
  spec: string;
  /** Serial slots only: over TCP and ADB there is no wire to time. */
  baud: number;
  /** The unit's processing allowance per answer, ms, on top of the wire time at `baud` (default 500). */
  allowance_ms?: number;
  /** What COMMIT may take, ms, on top of the wire time (default 3000). */
  commit_ms?: number;
  /** Polls that end a placement: this many silent, or this many from another unit (default 3). */
  placement_polls?: number;
}

export interface AppState {
  /** null until the first-run choice is made. */
  mode: Mode | null;
  locale: Locale;
  /** Where the WMPF API is for this mode (real: the environment, else the setting, else the official one). */
  api_base: string;
  /** What decided api_base: WXPROV_API_BASE wins over the setting; simulation uses its own. */
  api_base_from: 'official' | 'settings' | 'environment' | 'simulation';
  /** The official API base, for the UI to compare and offer. */
  api_base_official: string;
  /** The AppID is not secret; whether a secret is stored is all the UI learns of it. */
  credentials: { appid: string | null; has_secret: boolean };
  station_code: string | null;
  product_id: number | null;
  slots: Slot[];
  push_test: boolean;
  sound: boolean;
  /** An operator lock (PIN) is set. */
  has_pin: boolean;
  /** The setup screens are closed until the PIN is given. */
  locked: boolean;
  /** Engineer mode locks itself after this many minutes without engineer work (with a PIN set). */
  lock_idle_min: number;
  /** The key store that seals private keys and the AppSecret, shared with the CLI. */
  keystore: KeystoreState;
  /** Electron or the browser bridge (`wxprov ui`). */
  shell: 'electron' | 'browser';
  station_running: boolean;
  /** The platform's limits, from the core's one definition, so the UI counts against the same numbers. */
  limits: { push_msg_bytes: number };
  /** The factory server this station joined (products, keys and its station code are the server's), or null. */
  fleet: { server: string; station_code: string; revoked: boolean } | null;
}

/** This station in a factory server's fleet, as the setup screen shows it (read from the ledger: no network). */
export interface FleetMembership {
  joined: boolean;
  server: string | null;
  /** The pinned certificate's SHA-256, 64 hex digits. */
  fingerprint: string | null;
  station_code: string | null;
  joined_at: string | null;
  last_contact: string | null;
  /** The code the last call to the server failed with, cleared by the next that works. */
  last_error: string | null;
  revoked: boolean;
  /** Ledger changes not yet acknowledged by the server. */
  uplink_pending: number;
  /** Unused pre-signed ids per product_id. */
  blocks: Record<string, number>;
}

export interface KeystoreState {
  /** simulation: nothing to unlock (its world is throwaway); none: no passphrase set yet; locked: the engineer gives it; unlocked: keys and the AppSecret can be used. */
  state: 'simulation' | 'none' | 'locked' | 'unlocked';
  /** The OS keychain really keeps secrets on this computer (Linux without a keyring does not), so it unlocks the store at start without asking. */
  keychain: boolean;
}

/** One way to unlock the key store; never its secret material. */
export interface KeySlotView {
  id: number;
  kind: 'passphrase' | 'safeStorage' | 'pkcs11';
  label: string;
  created_at: string;
  created_by: string;
}

export interface SlotView {
  slot: Slot;
  /** waiting: no unit; busy: a unit in progress; lost: the port is missing or went away. */
  state: 'idle' | 'opening' | 'waiting' | 'busy' | 'lost';
  step: Step | null;
  progress: number;
  hwid: string | null;
  device_id: string | null;
  last: UnitResult | null;
  /** A unit is on the fixture: the one `last` is about, or the one being worked on. */
  present: boolean;
  counters: SlotCounters;
  port_error: ErrorPayload | null;
}

export interface LineStatus {
  running: boolean;
  slots: SlotView[];
  /** Units finished today on this station, and how many passed. */
  today: { total: number; pass: number; fail: number; existing: number };
  queue: QueueStats;
  /** A scanned barcode waiting for the next unit ({sn} in the template). */
  pending_sn: string | null;
}

export interface LogLine {
  t: string;
  level: string;
  event: string;
  text: string;
}

// ── inputs ────────────────────────────────────────────────────────────────

const productId = z.number().int().positive();
const none = z.undefined().or(z.object({}).strict());
/** What picks ledger rows: records.search and records.export take the same, so an export holds what the screen shows. */
const recordFilter = {
  product_id: productId.optional(),
  device_id: z.string().max(129).optional(),
  hwid: z.string().max(128).optional(),
  status: z.enum(['allocated', 'written', 'verified', 'failed', 'void']).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
};

// ── messages: input, lock policy, activity ─────────────────────────────────

/**
 * What a message may do while the operator lock is on. The lock keeps the engineer's setup
 * away from the line; the operator's Line screen, and the shell around it, must keep working.
 * - 'deny': refused with APP_LOCKED before the handler runs. The default: a message is the
 *   engineer's unless its entry says why the locked line needs it (the guard treats anything
 *   but 'allow' and 'partly' as 'deny').
 * - 'allow': runs while locked.
 * - 'partly': runs while locked; its handler refuses the part of it that is setup (APP_LOCKED).
 */
export type WhenLocked = 'allow' | 'deny' | 'partly';

export interface MessageSpec {
  input: z.ZodType;
  whenLocked: WhenLocked;
  /**
   * 'passive': not engineer work, so it does not hold engineer mode open against the idle
   * re-lock — what the UI reads on its own, the line's operator controls, the lock's own
   * messages. An operator running the line beside an unlocked station must not keep setup open.
   * Anything else restarts the idle time.
   */
  activity?: 'passive';
}

export const messages = {
  // app and first run
  /** The UI learns the lock from it, and everything else it shows. */
  'app.state': { input: none, whenLocked: 'allow', activity: 'passive' },
  /** The first choice is free (no mode yet: nothing to protect, and the first-run screen has no PIN prompt); switching later is setup. */
  'app.chooseMode': { input: z.object({ mode: z.enum(['simulation', 'real']) }), whenLocked: 'partly' },
  /** The header's language switch is the operator's too. */
  'app.setLocale': { input: z.object({ locale: z.enum(['zh-CN', 'en']) }), whenLocked: 'allow', activity: 'passive' },
  /** Where real mode's WMPF API is; null or '' is the official one. Checked in main (one rule with WXPROV_API_BASE). */
  'app.setApiBase': { input: z.object({ api_base: z.string().max(2048).nullable() }), whenLocked: 'deny' },
  /** The sound is the operator's switch on the Line; the push test and the idle time are setup (the handler refuses them). */
  'app.setPrefs': {
    input: z.object({ push_test: z.boolean().optional(), sound: z.boolean().optional(), lock_idle_min: z.number().int().min(1).max(240).optional() }),
    whenLocked: 'partly',
  },
  // credentials (setup)
  /** The AppID is checked in main, by the rule the CLI uses too (main/core/ids/appid.ts). */
  'credentials.set': { input: z.object({ appid: z.string().min(1).max(64), appsecret: z.string().min(1).max(128) }), whenLocked: 'deny' },
  /** Spends a token call with the AppSecret: the setup screen's. */
  'credentials.test': { input: none, whenLocked: 'deny' },
  // the key store (setup): the passphrase goes to main, is never stored and never comes back
  /** The slots are the setup screen's; the line reads the store's state from app.state. */
  'keystore.status': { input: none, whenLocked: 'deny', activity: 'passive' },
  /** First use: sets the passphrase (the keychain slot follows where the OS really keeps secrets). */
  'keystore.setup': { input: z.object({ passphrase: z.string().min(8).max(1024) }), whenLocked: 'deny' },
  'keystore.unlock': { input: z.object({ passphrase: z.string().min(1).max(1024) }), whenLocked: 'deny' },
  // products, keys, mini programs: setup, and the lists only the setup, records and tools screens read
  'products.list': { input: none, whenLocked: 'deny' },
  'products.create': {
    input: z.object({
      english_name: z.string().min(1).max(64),
      chinese_name: z.string().min(1).max(64),
      default_name: z.string().min(1).max(64),
      model_name: z.string().min(1).max(64),
      force: z.boolean().optional(),
    }),
    whenLocked: 'deny',
  },
  'products.record': {
    input: z.object({ product_id: productId, model_name: z.string().min(1).max(64), english_name: z.string().max(64).optional(), chinese_name: z.string().max(64).optional() }),
    whenLocked: 'deny',
  },
  'products.select': { input: z.object({ product_id: productId }), whenLocked: 'deny' },
  'products.setTemplate': { input: z.object({ product_id: productId, id_template: z.string().min(1).max(128) }), whenLocked: 'deny' },
  'keys.list': { input: z.object({ product_id: productId }), whenLocked: 'deny' },
  'keys.create': { input: z.object({ product_id: productId }), whenLocked: 'deny' },
  'keys.import': { input: z.object({ product_id: productId, key_version: z.number().int().positive(), private_key_pem: z.string().min(1).max(8192) }), whenLocked: 'deny' },
  'apps.bind': { input: z.object({ product_id: productId, appid: z.string().min(1).max(64) }), whenLocked: 'deny' },
  // a factory server (setup): joining spends a one-time code and hands products, keys and the station code to the server
  /** Reads the certificate the server presents (a bare handshake, nothing sent) so the engineer can compare its fingerprint with the administrator's. */
  'fleet.probe': { input: z.object({ server: z.string().min(1).max(2048) }), whenLocked: 'deny' },
  'fleet.join': { input: z.object({ server: z.string().min(1).max(2048), fingerprint: z.string().min(1).max(200), code: z.string().min(1).max(64) }), whenLocked: 'deny' },
  /** The setup screen's card; the line learns of the fleet from app.state. */
  'fleet.status': { input: none, whenLocked: 'deny', activity: 'passive' },
  // the line: its setup is the engineer's, running it is the operator's
  'station.setCode': { input: z.object({ station_code: z.string().min(1).max(8) }), whenLocked: 'deny' },
  /** The slots screen's port picker. */
  'ports.list': { input: none, whenLocked: 'deny' },
  'slots.set': {
    input: z.object({
      slots: z
        .array(
          z.object({
            name: z.string().min(1).max(16),
            spec: z.string().min(1).max(256),
            baud: z.number().int().min(300).max(4_000_000),
            allowance_ms: z.number().int().min(10).max(60_000).optional(),
            commit_ms: z.number().int().min(10).max(600_000).optional(),
            placement_polls: z.number().int().min(1).max(20).optional(),
          }),
        )
        .max(32),
    }),
    whenLocked: 'deny',
  },
  'line.start': { input: none, whenLocked: 'allow', activity: 'passive' },
  'line.stop': { input: none, whenLocked: 'allow', activity: 'passive' },
  'line.status': { input: none, whenLocked: 'allow', activity: 'passive' },
  'line.scan': { input: z.object({ sn: z.string().min(1).max(128) }), whenLocked: 'allow', activity: 'passive' },
  /** Simulation mode only: put a fresh simulated unit on a slot's fixture (a new hwid) — the operator's hand, on the Line screen. */
  'sim.placeUnit': {
    input: z.object({ slot: z.string().min(1).max(16), fault: z.enum(['noise', 'badcrc', 'pull', 'silent', 'locked', 'flash']).optional() }),
    whenLocked: 'allow',
    activity: 'passive',
  },
  // queue, sync, records
  /** The UI fetches it after a lost connection, whatever the screen; the line shows the queue. */
  'queue.status': { input: none, whenLocked: 'allow', activity: 'passive' },
  /** Lifts a quota pause before it ends: spends quota the platform said was gone; audited. */
  'queue.resume': { input: none, whenLocked: 'deny' },
  /** Only hurries what the background sync does anyway; the quota decision is queue.resume's. */
  'sync.now': { input: none, whenLocked: 'allow' },
  /** Sends again ids the platform refused: the engineer's call, once the cause is fixed. */
  'sync.retryFailed': { input: none, whenLocked: 'deny' },
  /** Reads of the ledger change nothing and hold no secret: a shift's records stay readable (the app's screen still asks the PIN; scripts on the bridge need not). */
  'records.search': {
    input: z.object({
      ...recordFilter,
      limit: z.number().int().min(1).max(500).optional(),
      cursor: z.string().max(200).optional(),
    }),
    whenLocked: 'allow',
  },
  /** Every row records.search finds with the same filter (all pages); `since` is the CLI's --since. */
  'records.export': { input: z.object({ ...recordFilter, since: z.string().max(40).optional() }), whenLocked: 'allow' },
  // yield and the MES
  /** The records screen's statistics tab: the results log over a range (dates as `wxprov stats` takes them). */
  'stats.get': {
    input: z.object({
      product_id: productId.optional(),
      since: z.string().max(40).optional(),
      until: z.string().max(40).optional(),
      by: z.enum(['hour', 'day']).optional(),
    }),
    whenLocked: 'allow',
    activity: 'passive',
  },
  /** The line screen's strip: this station's hour and day. */
  'stats.line': { input: none, whenLocked: 'allow', activity: 'passive' },
  'mes.get': { input: none, whenLocked: 'deny', activity: 'passive' },
  /** Sets the MES addresses and what a unit does when the MES cannot be asked; `token` null removes the stored token, absent keeps it. */
  'mes.set': {
    input: z.object({
      check_url: z.string().max(2000).nullable(),
      report_url: z.string().max(2000).nullable(),
      offline: z.enum(['block', 'allow']),
      token: z.string().min(1).max(4096).nullable().optional(),
    }),
    whenLocked: 'deny',
  },
  /** The report outbox, on the line's status bar. */
  'mes.status': { input: none, whenLocked: 'allow', activity: 'passive' },
  /** Sends waiting reports now (the background worker does it anyway). */
  'mes.sync': { input: none, whenLocked: 'allow' },
  // tools: the engineer's
  /** Talks to a live unit in the field through the platform. */
  'tools.push': { input: z.object({ push_token: z.string().min(1).max(512), msg: z.string().min(1).max(20_000) }), whenLocked: 'deny' },
  /** Signs any id with the product's key. */
  'tools.sign': { input: z.object({ product_id: productId, device_id: z.string().min(1).max(200), key_version: z.number().int().positive().optional() }), whenLocked: 'deny' },
  /** The tools screen's log: the engineer's detail; nothing on the Line reads it. */
  'logs.tail': { input: z.object({ lines: z.number().int().min(1).max(1000) }), whenLocked: 'deny', activity: 'passive' },
  // operator lock
  /** Changing the PIN is setup (it asks the current PIN anyway: whoever has it unlocks first). */
  'lock.setPin': { input: z.object({ pin: z.string().regex(/^\d{4,8}$/), current_pin: z.string().max(8).optional() }), whenLocked: 'deny', activity: 'passive' },
  /** It can only close. */
  'lock.lock': { input: none, whenLocked: 'allow', activity: 'passive' },
  'lock.unlock': { input: z.object({ pin: z.string().max(8) }), whenLocked: 'allow', activity: 'passive' },
  /** Someone is at work in engineer mode (the UI sends it on input): the idle re-lock waits. Locked, it changes nothing, and the UI's touch may cross the re-lock. */
  'lock.touch': { input: none, whenLocked: 'allow', activity: 'passive' },
} as const satisfies Record<string, MessageSpec>;

/** What each message answers. */
export interface Outputs {
  'app.state': AppState;
  'app.chooseMode': AppState;
  'app.setLocale': AppState;
  'app.setPrefs': AppState;
  'app.setApiBase': AppState;
  'credentials.set': AppState;
  'credentials.test': { mode: 'stable' | 'token'; expires_in: number };
  'keystore.status': KeystoreState & { slots: KeySlotView[] };
  'keystore.setup': AppState;
  'keystore.unlock': AppState;
  'products.list': (ProductView & { id_template: string | null })[];
  'products.create': ProductView & { existing: boolean };
  'products.record': ProductView;
  'products.select': AppState;
  'products.setTemplate': { product_id: number; id_template: string; example: string };
  'keys.list': KeyInfo[];
  'keys.create': { product_id: number; key_version: number; public_key_pem: string };
  'keys.import': { product_id: number; key_version: number; public_key_pem: string };
  'apps.bind': { product_id: number; appid: string };
  'fleet.probe': { server: string; fingerprint: string; fingerprint_colons: string };
  'fleet.join': FleetMembership;
  'fleet.status': FleetMembership;
  'station.setCode': AppState;
  'ports.list': PortInfo[];
  'slots.set': AppState;
  'line.start': LineStatus;
  'line.stop': LineStatus;
  'line.status': LineStatus;
  'line.scan': LineStatus;
  'sim.placeUnit': { slot: string; hwid: string };
  'queue.status': { queue: QueueStats; sync: SyncStatus };
  'queue.resume': { resumed: boolean; was_paused_until: string | null };
  'sync.now': SyncResult;
  'sync.retryFailed': { requeued: number };
  'records.search': DevicePage;
  'records.export': { rows: number; file: string; /** Browser mode: where to download it. */ url: string | null };
  'stats.get': YieldStats;
  'stats.line': LineYield;
  'mes.get': MesSettingsView;
  'mes.set': MesSettingsView;
  'mes.status': MesStatus;
  'mes.sync': MesStatus;
  'tools.push': { bytes: number };
  'tools.sign': { product_id: number; device_id: string; key_version: number; signature: string };
  'logs.tail': LogLine[];
  'lock.setPin': AppState;
  'lock.lock': AppState;
  'lock.unlock': AppState;
  'lock.touch': AppState;
}

export type InvokeName = keyof typeof messages & keyof Outputs;
export type Input<K extends InvokeName> = z.input<(typeof messages)[K]['input']>;
export type Output<K extends InvokeName> = Outputs[K];
export const INVOKE_NAMES = Object.keys(messages) as InvokeName[];

/** Main → renderer pushes. */
export interface Events {
  /** The app state changed (mode, lock, settings). */
  app: AppState;
  /** The line changed: a step, a result, a port lost or found. */
  line: LineStatus;
  /** A unit finished (for the sound and the big PASS/FAIL). */
  unit: UnitResult & { slot: string };
  sync: SyncStatus;
}
export type EventName = keyof Events;
export const EVENT_NAMES: EventName[] = ['app', 'line', 'unit', 'sync'];

export const invokeChannel = (name: InvokeName): string => `wxprov:${name}`;
export const eventChannel = (name: EventName): string => `wxprov-event:${name}`;

/** What the renderer sees as `window.wxprov`, in Electron (preload) and in the browser (bridge). */
export interface WxprovApi {
  invoke<K extends InvokeName>(name: K, input?: Input<K>): Promise<Result<Output<K>>>;
  on<E extends EventName>(event: E, cb: (payload: Events[E]) => void): () => void;
}

/** The handler table main implements: one function per message, input already validated. */
export type Handlers = { [K in InvokeName]: (input: z.output<(typeof messages)[K]['input']>) => Promise<Output<K>> | Output<K> };
