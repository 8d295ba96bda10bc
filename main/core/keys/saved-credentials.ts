import type { StationEnv } from '../config/env.js';
import { isWxError } from '../errors/wx-error.js';
import type { KeyVault } from './vault.js';

/** The AppSecret the app saves, sealed in the key store, with its AppID as the (not secret) meta. */
export const APPSECRET_VALUE = 'appsecret';

/**
 * The AppID to use: WXPROV_APPID; else, unless WXPROV_APPSECRET is given on its own, the one
 * the app saved with its AppSecret (readable while the store is locked: it is not secret).
 */
export function effectiveAppid(env: StationEnv, vault: KeyVault): string | undefined {
  if (env.appid) return env.appid;
  if (env.appsecret) return undefined;
  return vault.valueMeta(APPSECRET_VALUE)?.meta ?? undefined;
}

/**
 * The AppSecret to use. The environment wins; otherwise the one the app saved for this same
 * AppID, when this process can open the key store. A CLI without a passphrase just has no
 * secret (CONFIG_MISSING follows, as before there was a key store); a wrong passphrase or a
 * locked app says so.
 */
export function effectiveSecret(env: StationEnv, vault: KeyVault): string | undefined {
  if (env.appsecret) return env.appsecret;
  const saved = vault.valueMeta(APPSECRET_VALUE);
  if (!saved || !env.appid || saved.meta !== env.appid) return undefined;
  let plain: Buffer | undefined;
  try {
    plain = vault.getValue(APPSECRET_VALUE);
  } catch (e) {
    if (isWxError(e) && e.code === 'KEY_PASSPHRASE_REQUIRED') return undefined;
    throw e;
  }
  if (!plain) return undefined;
  const s = plain.toString('utf8');
  plain.fill(0);
  return s;
}
