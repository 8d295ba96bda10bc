import { machineOf } from '../config/machine.js';
import type { Db } from '../db/open.js';
import { WxError } from '../errors/wx-error.js';
import { isMesUrl } from '../mes/report-outcome.js';

/** Every station setting: its check and its default. Unknown keys are refused, not stored. */
const SPECS = {
  station_code: {
    allowed: '1-8 letters or digits, unique per station on the line (e.g. A1)',
    check: (v: string) => /^[0-9A-Za-z]{1,8}$/.test(v),
    default: undefined as string | undefined,
  },
  sync_batch_size: {
    allowed: 'a whole number 1-1000 (ids per adddevice call)',
    check: (v: string) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 1000,
    default: '100',
  },
  // The factory's MES (mes/): empty turns a hook off. The token is a secret: not a setting (mes/token.ts).
  mes_check_url: {
    allowed: 'an http:// or https:// address, or empty to turn the route check off',
    check: (v: string) => v === '' || isMesUrl(v),
    default: undefined as string | undefined,
  },
  mes_report_url: {
    allowed: 'an http:// or https:// address, or empty to turn reporting off',
    check: (v: string) => v === '' || isMesUrl(v),
    default: undefined as string | undefined,
  },
  mes_offline: {
    allowed: 'block (a unit waits while the MES cannot be asked) or allow (it goes on, and its result says so)',
    check: (v: string) => v === 'block' || v === 'allow',
    default: 'block',
  },
} as const;

export type SettingKey = keyof typeof SPECS;
export const SETTING_KEYS = Object.keys(SPECS) as SettingKey[];

/**
 * The digest of the computer the station code was set on (config/machine.ts). Not in SPECS, so
 * it is never listed or set by hand: only setting the station code writes it.
 */
const MACHINE_KEY = 'station_machine';

/** `unset`: no station code; `confirmed`: set on this computer; `moved`: set on another one. */
export type StationBinding = 'unset' | 'confirmed' | 'moved';

export class Settings {
  // Kept: the allocator reads the binding once per id minted.
  private readStmt?: ReturnType<Db['prepare']>;

  constructor(private readonly db: Db) {}

  private raw(key: string): string | undefined {
    this.readStmt ??= this.db.prepare('SELECT value FROM settings WHERE key = ?');
    return (this.readStmt.get(key) as { value: string } | undefined)?.value;
  }

  private write(key: string, value: string, at: string, by: string): void {
    this.db
      .prepare('INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by')
      .run(key, value, at, by);
  }

  get(key: SettingKey): string | undefined {
    // An empty value is a setting turned off (the MES addresses): the same as never set.
    return this.raw(key) || SPECS[key].default;
  }

  /** Setting the station code (even to the value it has) binds it to this computer: that is how a moved data dir is confirmed. */
  /** Throws SETTING_INVALID unless `key` may be set to `value`; writes nothing. */
  check(key: string, value: string): void {
    if (!(key in SPECS)) throw new WxError('SETTING_INVALID', { key, value, allowed: `a key among ${SETTING_KEYS.join(', ')}` });
    const spec = SPECS[key as SettingKey];
    if (!spec.check(value)) throw new WxError('SETTING_INVALID', { key, value, allowed: spec.allowed });
  }

  set(key: string, value: string, at: string, by: string): void {
    this.check(key, value);
    // A station in a fleet has the code the server gave it (fleet/join.ts): two stations must never share one.
    const fleetCode = key === 'station_code' ? (this.db.prepare('SELECT station_code FROM fleet_membership WHERE id = 1').pluck().get() as string | undefined) : undefined;
    if (fleetCode !== undefined && fleetCode !== value) throw new WxError('FLEET_STATION_CODE_ON_SERVER', { station_code: fleetCode });
    this.db.transaction(() => {
      this.write(key, value, at, by);
      if (key === 'station_code') this.write(MACHINE_KEY, machineOf(this.db), at, by);
    }).immediate();
  }

  all(): Record<SettingKey, string | undefined> {
    return Object.fromEntries(SETTING_KEYS.map((k) => [k, this.get(k)])) as Record<SettingKey, string | undefined>;
  }

  stationBinding(machine: string = machineOf(this.db)): StationBinding {
    if (!this.raw('station_code')) return 'unset';
    const bound = this.raw(MACHINE_KEY);
    // No machine recorded: a data dir from before machines were recorded, opened without a
    // context (which adopts it, see adoptMachine); nothing to compare with.
    return bound === undefined || bound === machine ? 'confirmed' : 'moved';
  }

  /**
   * The station code, refused when it is missing or was set on another computer. The check to
   * run before minting ids, or before a unit is touched at all.
   */
  requireStationCode(machine: string = machineOf(this.db)): string {
    const code = this.stationCode();
    if (this.stationBinding(machine) === 'moved') throw new WxError('STATION_MACHINE_CHANGED', { station_code: code });
    return code;
  }

  /**
   * The upgrade path: a data dir with a station code and no machine recorded (made before
   * machines were recorded) is taken to belong to the first computer that opens it. Returns
   * whether it adopted.
   */
  adoptMachine(machine: string, at: string, by: string): boolean {
    const needed = () => this.raw('station_code') !== undefined && this.raw(MACHINE_KEY) === undefined;
    // Read first: every open comes here, and a write lock would wait behind a long bulk allocation.
    if (!needed()) return false;
    return this.db.transaction(() => {
      if (!needed()) return false;
      this.write(MACHINE_KEY, machine, at, by);
      return true;
    }).immediate();
  }

  stationCode(): string {
    const v = this.get('station_code');
    if (!v) throw new WxError('STATION_CODE_MISSING');
    return v;
  }

  batchSize(): number {
    return Number(this.get('sync_batch_size'));
  }
}

/** The pre-flight check: the station code, if it is set and confirmed for this computer (else STATION_CODE_MISSING / STATION_MACHINE_CHANGED). */
export function assertStationUsable(db: Db, machine: string = machineOf(db)): string {
  return new Settings(db).requireStationCode(machine);
}
