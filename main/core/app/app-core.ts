import type { AppState, EventName, Events, Locale, Mode, Slot } from '../../../preload/contract.js';
import { DEFAULT_API_BASE } from '../config/env.js';
import { WxError, isWxError } from '../errors/wx-error.js';
import { PUSH_MSG_MAX_BYTES } from '../ids/validate.js';
import { realApiBase, showApiBase } from './api-base-setting.js';
import { DataKeyHolder } from '../keys/data-key.js';
import type { OsKeychain } from '../keys/keychain.js';
import type { Opener } from '../keys/sealer.js';
import type { KeyVault } from '../keys/vault.js';
import { MembershipStore } from '../fleet/membership.js';
import { Settings } from '../registry/settings.js';
import type { SyncStatus, SyncWorkerOptions } from '../registry/sync-worker.js';
import type { StationOptions } from '../serial/station.js';
import { CredentialStore } from './credentials.js';
import { keystoreState, keystoreStatus, unlockAtStart } from './keystore.js';
import { kvBool, kvNumber, kvString, type KeyValueStore } from './kv.js';
import { Line } from './line.js';
import { DEFAULT_IDLE_MIN, PinLock } from './pin-lock.js';
import { openReal, openSimulation, type Runtime, type RuntimeCommon } from './runtime.js';
import type { SimWorldOptions } from './sim-world.js';

export interface AppServiceOptions {
  /** WXPROV_HOME: the account's data (shared with the CLI); simulation runs in `<home>/simulation`. */
  home: string;
  /** The process environment: WXPROV_API_BASE, WXPROV_TOKEN_MODE, WXPROV_OPERATOR, WXPROV_KEY_PASSPHRASE. */
  env?: NodeJS.ProcessEnv;
  /** Non-secret app settings: one file for Electron and the bridge (openAppSettings). */
  kv: KeyValueStore;
  /** The OS keychain (Electron's safeStorage): where it really keeps secrets, a slot of the key store that unlocks it at start. None in the browser. */
  keychain?: OsKeychain;
  /** Openers for secrets sealed before the key store (the app's `WXS:safe1:`): the first unlock re-seals them. */
  legacyOpeners?: Opener[];
  shell: 'electron' | 'browser';
  now?: () => Date;
  /** The station's time zone for the day's counters (IANA name); default the process's (TZ). */
  timeZone?: string;
  /** better-sqlite3's addon built for this runtime when it is not plain Node: the Electron main's (main/core/native). */
  nativeBinding?: string;
  /** Timing knobs, for tests. */
  tuning?: {
    station?: Pick<StationOptions, 'pollMs' | 'reopenMs' | 'timing'>;
    sync?: Omit<SyncWorkerOptions, 'onStatus'>;
    sim?: SimWorldOptions;
    /** How often the idle re-lock of engineer mode is checked, so the UI hears of it (default 5 s). */
    lockCheckMs?: number;
  };
}

export type EventListener = <E extends EventName>(name: E, payload: Events[E]) => void;

const K = { mode: 'mode', locale: 'locale', productId: 'product_id', slots: 'slots', pushTest: 'push_test', sound: 'sound', lockIdleMin: 'lock_idle_min' } as const;

function isSlot(v: unknown): v is Slot {
  const s = v as Slot;
  return !!s && typeof s === 'object' && typeof s.name === 'string' && typeof s.spec === 'string' && typeof s.baud === 'number';
}

/**
 * The app's state behind the handlers: the chosen mode and its runtime (context, sync worker,
 * simulated world), settings in the key-value store, the lock, the line, and the event
 * listeners. Mode switches and context rebuilds are serialised.
 */
export class AppCore {
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
  readonly lock: PinLock;
  readonly creds: CredentialStore;
  readonly line: Line;
  private rt?: Runtime;
  private rtError?: unknown;
  private readonly listeners = new Set<EventListener>();
  /** The key store's data key once unlocked: for the whole run (contexts are rebuilt), zeroed at close. */
  private readonly dataKey = new DataKeyHolder();
  /** Simulation's product and slots: they cannot outlive the simulator, so they are not stored. */
  private sim = { productId: null as number | null, slots: [] as Slot[] };
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly lockTimer: NodeJS.Timeout;

  constructor(readonly opts: AppServiceOptions) {
    this.env = opts.env ?? process.env;
    this.now = opts.now ?? (() => new Date());
    this.lock = new PinLock(opts.kv, () => this.now().getTime(), () => this.lockIdleMin() * 60_000);
    this.lock.onIdleLock = () => {
      this.rt?.ctx.log.info('lock.idle', { minutes: this.lockIdleMin() });
      this.emit('app', this.state());
    };
    // The lock is also judged on every message; this tells a UI that sends none.
    this.lockTimer = setInterval(() => this.lock.expire(), opts.tuning?.lockCheckMs ?? 5000);
    this.lockTimer.unref?.();
    this.creds = new CredentialStore(opts.kv);
    this.line = new Line({
      runtime: () => this.rt,
      slots: () => this.slots(),
      productId: () => this.productId(),
      pushTest: () => this.pushTest(),
      onLine: (s) => this.emit('line', s),
      onUnit: (u) => {
        this.emit('unit', u);
        // Its MES report was queued with the result: send it now, off the unit's path.
        this.rt?.mes.nudge();
      },
      now: this.now,
      timeZone: opts.timeZone,
      station: opts.tuning?.station,
    });
  }

  get kv(): KeyValueStore {
    return this.opts.kv;
  }

  get mode(): Mode | null {
    const m = kvString(this.kv, K.mode);
    return m === 'simulation' || m === 'real' ? m : null;
  }

  /** The current runtime; refuses before a mode is chosen (or with the reason it could not start). */
  runtime(): Runtime {
    if (this.rt) return this.rt;
    if (this.rtError !== undefined) {
      if (isWxError(this.rtError)) throw this.rtError;
      throw new WxError('INTERNAL', { detail: this.rtError instanceof Error ? this.rtError.message : String(this.rtError) });
    }
    throw new WxError('APP_NO_MODE');
  }

  /** Writes out the log lines the current runtime still holds (the log sink batches its writes). */
  flushLog(): void {
    this.rt?.ctx.log.flush();
  }

  /** The runtime of this mode, or APP_WRONG_MODE. */
  runtimeFor(mode: Mode): Runtime {
    const rt = this.runtime();
    if (rt.mode !== mode) throw new WxError('APP_WRONG_MODE', { mode: mode === 'simulation' ? { zh: '模拟', en: 'simulation' } : { zh: '真实账号', en: 'real' } });
    return rt;
  }

  /** Real mode's key store; APP_WRONG_MODE in simulation (nothing to unlock there). */
  vault(): KeyVault {
    return this.runtimeFor('real').ctx.vault();
  }

  keystoreStatus(): ReturnType<typeof keystoreStatus> {
    return keystoreStatus(this.rt?.mode ?? this.mode, this.rt?.mode === 'real' ? this.rt.ctx : undefined, this.opts.keychain);
  }

  /** Where this mode's data lives (database, logs, exports). */
  dataDir(): string {
    return this.rt?.ctx.env.home ?? this.opts.home;
  }

  /** Starts the stored mode, if any (app start). */
  open(): Promise<void> {
    return this.serial(async () => {
      const mode = this.mode;
      if (mode) await this.start(mode);
    });
  }

  /** First run or a switch: the line stops, the old runtime closes, the new one starts. */
  chooseMode(mode: Mode): Promise<void> {
    return this.serial(async () => {
      if (this.rt?.mode === mode) return;
      await this.stopRuntime();
      this.kv.set(K.mode, mode);
      await this.start(mode);
      this.runtime(); // says why, if the mode could not start
    });
  }

  /** Credentials changed: a new context (and API client) on the same data; the line stops. */
  rebuild(): Promise<void> {
    return this.serial(async () => {
      const mode = this.rt?.mode ?? this.mode;
      await this.stopRuntime();
      if (mode) {
        await this.start(mode);
        this.runtime();
      }
    });
  }

  state(): AppState {
    const mode = this.rt?.mode ?? this.mode;
    const rt = this.rt;
    let station: string | null = null;
    let fleet: AppState['fleet'] = null;
    try {
      station = rt ? (new Settings(rt.ctx.db).get('station_code') ?? null) : null;
      const m = rt ? new MembershipStore(rt.ctx.db).get() : undefined;
      fleet = m ? { server: m.server_url, station_code: m.station_code, revoked: m.revoked_at !== null } : null;
    } catch {
      station = null;
    }
    const sim = rt?.world;
    const api = mode === 'simulation' && rt ? { url: rt.ctx.env.apiBase, from: 'simulation' as const } : showApiBase(this.env, this.kv);
    return {
      mode,
      locale: this.locale(),
      api_base: api.url,
      api_base_from: api.from,
      api_base_official: DEFAULT_API_BASE,
      credentials: sim ? { appid: sim.sim.appid, has_secret: true } : this.creds.view(rt?.ctx.vault()),
      station_code: station,
      product_id: this.productId(),
      slots: this.slots().map((s) => ({ ...s })),
      push_test: this.pushTest(),
      sound: kvBool(this.kv, K.sound) ?? true,
      has_pin: this.lock.hasPin,
      locked: this.lock.locked,
      lock_idle_min: this.lockIdleMin(),
      keystore: keystoreState(mode, rt?.mode === 'real' ? rt.ctx : undefined, this.opts.keychain),
      shell: this.opts.shell,
      station_running: this.line.running,
      limits: { push_msg_bytes: PUSH_MSG_MAX_BYTES },
      fleet,
    };
  }

  locale(): Locale {
    const l = kvString(this.kv, K.locale);
    return l === 'en' ? 'en' : 'zh-CN';
  }

  setLocale(l: Locale): void {
    this.kv.set(K.locale, l);
  }

  pushTest(): boolean {
    return kvBool(this.kv, K.pushTest) ?? false;
  }

  /** Minutes without engineer work before engineer mode locks itself. */
  lockIdleMin(): number {
    const m = kvNumber(this.kv, K.lockIdleMin);
    return m !== undefined && Number.isInteger(m) && m >= 1 ? m : DEFAULT_IDLE_MIN;
  }

  setPrefs(p: { push_test?: boolean; sound?: boolean; lock_idle_min?: number }): void {
    if (p.push_test !== undefined) this.kv.set(K.pushTest, p.push_test);
    if (p.sound !== undefined) this.kv.set(K.sound, p.sound);
    if (p.lock_idle_min !== undefined) this.kv.set(K.lockIdleMin, p.lock_idle_min);
  }

  productId(): number | null {
    if (this.mode === 'simulation') return this.sim.productId;
    return kvNumber(this.kv, K.productId) ?? null;
  }

  setProductId(id: number): void {
    if (this.runtime().mode === 'simulation') this.sim.productId = id;
    else this.kv.set(K.productId, id);
  }

  slots(): Slot[] {
    if (this.mode === 'simulation') return this.sim.slots;
    const v = this.kv.get(K.slots);
    return Array.isArray(v) ? v.filter(isSlot) : [];
  }

  setSlots(slots: Slot[]): void {
    if (this.runtime().mode === 'simulation') this.sim.slots = slots.map((s) => ({ ...s }));
    else this.kv.set(K.slots, slots);
  }

  onEvent(cb: EventListener): () => void {
    this.listeners.add(cb);
    return () => void this.listeners.delete(cb);
  }

  emit<E extends EventName>(name: E, payload: Events[E]): void {
    if (this.closed) return;
    for (const l of this.listeners) {
      try {
        l(name, payload);
      } catch (e) {
        this.rt?.ctx.log.warn('app.listener_failed', { event: name, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      await this.stopRuntime();
      this.closed = true;
      this.line.close();
      clearInterval(this.lockTimer);
      this.dataKey.clear();
    });
  }

  private async start(mode: Mode): Promise<void> {
    this.rtError = undefined;
    const common: RuntimeCommon = {
      env: this.env,
      now: this.now,
      sync: this.opts.tuning?.sync,
      nativeBinding: this.opts.nativeBinding,
      onSync: (s: SyncStatus) => {
        this.line.noteQueue(s.queue);
        this.emit('sync', s);
      },
    };
    try {
      if (mode === 'simulation') {
        this.rt = await openSimulation(this.opts.home, common, this.opts.tuning?.sim);
        this.sim = { productId: null, slots: this.rt.world!.slots() };
      } else {
        const env = { ...this.env, WXPROV_API_BASE: realApiBase(this.env, this.kv).url };
        this.rt = openReal(
          this.opts.home,
          this.creds.legacyAppid(),
          {
            holder: this.dataKey,
            keychain: this.opts.keychain,
            legacy: this.opts.legacyOpeners,
            ask: true,
            onUnlock: (vault, openers, log) => this.creds.upgradeLegacy(vault, openers, log),
          },
          { ...common, env },
        );
        unlockAtStart(this.rt.ctx, this.env.WXPROV_KEY_PASSPHRASE || undefined);
      }
      this.rt.ctx.log.info('app.mode', { mode, shell: this.opts.shell });
    } catch (e) {
      this.rtError = e;
    }
    this.line.reset();
  }

  private async stopRuntime(): Promise<void> {
    await this.line.stop();
    const rt = this.rt;
    this.rt = undefined;
    await rt?.close();
  }

  /** One mode change at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }
}
