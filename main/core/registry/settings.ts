import type { Db } from '../db/open.js';
import { WxError } from '../errors/wx-error.js';

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
} as const;

export type SettingKey = keyof typeof SPECS;
export const SETTING_KEYS = Object.keys(SPECS) as SettingKey[];

export class Settings {
  constructor(private readonly db: Db) {}

  get(key: SettingKey): string | undefined {
    const r = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? SPECS[key].default;
  }

  set(key: string, value: string, at: string, by: string): void {
    if (!(key in SPECS)) throw new WxError('SETTING_INVALID', { key, value, allowed: `a key among ${SETTING_KEYS.join(', ')}` });
    const spec = SPECS[key as SettingKey];
    if (!spec.check(value)) throw new WxError('SETTING_INVALID', { key, value, allowed: spec.allowed });
    this.db
      .prepare('INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by')
      .run(key, value, at, by);
  }

  all(): Record<SettingKey, string | undefined> {
    return Object.fromEntries(SETTING_KEYS.map((k) => [k, this.get(k)])) as Record<SettingKey, string | undefined>;
  }

  stationCode(): string {
    const v = this.get('station_code');
    if (!v) throw new WxError('CONFIG_MISSING', { name: 'station_code (wxprov config set station_code <code>)' });
    return v;
  }

  batchSize(): number {
    return Number(this.get('sync_batch_size'));
  }
}
