import fs from 'node:fs';
import path from 'node:path';
import Store from 'electron-store';
import type { KeyValueStore } from './core/app/kv.js';
import { tightenFile } from './core/config/private-files.js';

/** What the adapter needs of electron-store (a test passes a Map-backed fake). */
export type StoreLike = Pick<Store<Record<string, unknown>>, 'get' | 'set' | 'delete'>;

/**
 * The app's non-secret settings as a KeyValueStore over electron-store. Keys are flat (no
 * dot-notation: `credentials.appid` is one key, not a path) and `null`/`undefined` delete,
 * since electron-store refuses `undefined` and the core uses `null` to clear.
 */
export function kvOverStore(store: StoreLike): KeyValueStore {
  return {
    get: (key) => store.get(key),
    set(key, value) {
      if (value === null || value === undefined) store.delete(key);
      else store.set(key, value);
    },
  };
}

/**
 * `<dir>/app-settings.json`, owner-only, written atomically by electron-store. An unreadable file
 * (edited by hand, a torn disk) is kept aside as `app-settings.json.broken-<time>` and the app
 * starts with fresh settings, as the core's jsonFileKv does, rather than not starting at all.
 */
export function openSettingsStore(dir: string): KeyValueStore {
  // configFileMode applies when electron-store writes; a file left wider is tightened on open.
  tightenFile(path.join(dir, 'app-settings.json'));
  const open = () =>
    new Store<Record<string, unknown>>({
      name: 'app-settings',
      cwd: dir,
      accessPropertiesByDotNotation: false,
      configFileMode: 0o600,
      clearInvalidConfig: false,
    });
  try {
    return kvOverStore(open());
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const file = path.join(dir, 'app-settings.json');
    fs.renameSync(file, `${file}.broken-${Date.now()}`);
    return kvOverStore(open());
  }
}
