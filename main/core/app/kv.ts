import fs from 'node:fs';
import path from 'node:path';
import { tightenFile } from '../config/private-files.js';
import { WxError } from '../errors/wx-error.js';

/**
 * The app's non-secret settings (mode, locale, AppID, slots, the PIN's hash). Synchronous,
 * JSON values; `null` clears a key. One file for the desktop app and the browser fallback
 * (`openAppSettings`), so mode, slots and PIN are the same whichever way the station is opened.
 */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/** An in-memory store, for tests and throwaway runs. */
export function memoryKv(initial: Record<string, unknown> = {}): KeyValueStore {
  const data = new Map(Object.entries(initial));
  return {
    get: (key) => data.get(key),
    set: (key, value) => void (value === null || value === undefined ? data.delete(key) : data.set(key, value)),
  };
}

/**
 * One JSON object in one file, owner-only. Every set writes a temp file, flushes it and
 * renames it over the old one, so a crash leaves either the old settings or the new ones.
 */
export function jsonFileKv(file: string): KeyValueStore {
  let data: Record<string, unknown> = {};
  // It holds the PIN's hash and the sealed AppSecret: a file left wider by an older version is tightened now, not at the next write.
  tightenFile(file);
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      // Unreadable settings are kept aside, not silently overwritten.
      try {
        fs.renameSync(file, `${file}.broken-${Date.now()}`);
      } catch {
        // nothing to keep
      }
    }
  }
  const write = () => {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        fs.writeSync(fd, JSON.stringify(data, null, 2) + '\n');
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw new WxError('STORE_FAILED', { detail: `${file}: ${(e as Error).message}` }, { cause: e });
    }
  };
  return {
    get: (key) => data[key],
    set(key, value) {
      const next = { ...data };
      if (value === null || value === undefined) delete next[key];
      else next[key] = value;
      const before = data;
      data = next;
      try {
        write();
      } catch (e) {
        data = before;
        throw e;
      }
    },
  };
}

export const APP_SETTINGS_FILE = 'app-settings.json';
/** Where `wxprov ui` kept its own settings before both shells shared one file. */
const OLD_BRIDGE_SETTINGS = 'ui-settings.json';

/**
 * `<home>/app-settings.json`, the one settings file of the Electron app and of `wxprov ui`. A
 * data dir from before, whose browser fallback kept `ui-settings.json` and never ran the
 * desktop app, keeps those settings: the file is taken over on first open.
 */
export function openAppSettings(home: string): KeyValueStore {
  const file = path.join(home, APP_SETTINGS_FILE);
  const old = path.join(home, OLD_BRIDGE_SETTINGS);
  if (!fs.existsSync(file) && fs.existsSync(old)) fs.renameSync(old, file);
  return jsonFileKv(file);
}

/** Typed reads: a value of the wrong shape (an edited file) counts as absent. */
export const kvString = (kv: KeyValueStore, key: string): string | undefined => {
  const v = kv.get(key);
  return typeof v === 'string' ? v : undefined;
};
export const kvNumber = (kv: KeyValueStore, key: string): number | undefined => {
  const v = kv.get(key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};
export const kvBool = (kv: KeyValueStore, key: string): boolean | undefined => {
  const v = kv.get(key);
  return typeof v === 'boolean' ? v : undefined;
};
