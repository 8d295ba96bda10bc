import { DEFAULT_API_BASE, parseApiBase } from '../config/api-base.js';
import { kvString, type KeyValueStore } from './kv.js';

export type ApiBaseFrom = 'official' | 'settings' | 'environment';

const KEY = 'api_base';

/**
 * Where real mode's WMPF API is. WXPROV_API_BASE wins, as it does for the CLI (a test rig or a
 * proxy set for the whole machine); then the app's setting; then the official one. Both go
 * through parseApiBase, the rule readEnv applies. Throws CONFIG_INVALID for a bad value, so a
 * runtime built on it says why it could not start.
 */
export function realApiBase(env: NodeJS.ProcessEnv, kv: KeyValueStore): { url: string; from: ApiBaseFrom } {
  if (env.WXPROV_API_BASE?.trim()) return { url: parseApiBase(env.WXPROV_API_BASE, 'WXPROV_API_BASE'), from: 'environment' };
  const stored = kvString(kv, KEY);
  if (stored?.trim()) return { url: parseApiBase(stored, 'api_base'), from: 'settings' };
  return { url: DEFAULT_API_BASE, from: 'official' };
}

/** The same, for showing: a bad value is shown as it is rather than thrown. */
export function showApiBase(env: NodeJS.ProcessEnv, kv: KeyValueStore): { url: string; from: ApiBaseFrom } {
  try {
    return realApiBase(env, kv);
  } catch {
    const raw = env.WXPROV_API_BASE?.trim();
    return raw ? { url: raw, from: 'environment' } : { url: kvString(kv, KEY) ?? DEFAULT_API_BASE, from: 'settings' };
  }
}

/** Stores the setting after the same check; null or blank goes back to the official one. */
export function storeApiBase(kv: KeyValueStore, value: string | null): void {
  kv.set(KEY, value?.trim() ? parseApiBase(value, 'api_base') : null);
}
