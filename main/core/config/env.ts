import { WxError } from '../errors/wx-error.js';
import { parseAppId, APPID_ALLOWED } from '../ids/appid.js';
import { parseApiBase } from './api-base.js';
import { envValue, resolveHome } from './home.js';

export { DEFAULT_API_BASE } from './api-base.js';

export type TokenMode = 'stable' | 'token';

/** Everything the core reads from the environment, read in one place. */
export interface StationEnv {
  apiBase: string;
  home: string;
  appid?: string;
  appsecret?: string;
  keyPassphrase?: string;
  tokenMode: TokenMode;
  /** WXPROV_MACHINE_ID: stands in for the OS machine id (tests, cloned disk images); see machine.ts. */
  machineId?: string;
  /** WXPROV_PKCS11_PIN: a hardware token's PIN; when set it wins over the one the key store keeps (keys/pkcs11/pin.ts). */
  pkcs11Pin?: string;
  /** WXPROV_MES_TOKEN: the MES's bearer token; when set it wins over the one the key store keeps (mes/token.ts). */
  mesToken?: string;
  /** ANDROID_ADB_SERVER_ADDRESS / _PORT as given: adb's own convention for where its server is (checked when an adb: slot opens, adb/server-address.ts). */
  adbServer?: { ANDROID_ADB_SERVER_ADDRESS?: string; ANDROID_ADB_SERVER_PORT?: string };
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): StationEnv {
  const apiBase = parseApiBase(env.WXPROV_API_BASE, 'WXPROV_API_BASE');
  const mode = env.WXPROV_TOKEN_MODE?.trim() || 'stable';
  if (mode !== 'stable' && mode !== 'token') {
    throw new WxError('CONFIG_INVALID', { name: 'WXPROV_TOKEN_MODE', detail: mode, allowed: 'stable | token' });
  }
  return {
    apiBase,
    home: resolveHome(env),
    appid: env.WXPROV_APPID?.trim() || undefined,
    appsecret: env.WXPROV_APPSECRET?.trim() || undefined,
    keyPassphrase: env.WXPROV_KEY_PASSPHRASE || undefined,
    tokenMode: mode,
    machineId: envValue(env, 'WXPROV_MACHINE_ID'),
    pkcs11Pin: env.WXPROV_PKCS11_PIN || undefined,
    mesToken: env.WXPROV_MES_TOKEN?.trim() || undefined,
    adbServer: { ANDROID_ADB_SERVER_ADDRESS: env.ANDROID_ADB_SERVER_ADDRESS, ANDROID_ADB_SERVER_PORT: env.ANDROID_ADB_SERVER_PORT },
  };
}

export interface Credentials {
  appid: string;
  appsecret: string;
}

export function requireCredentials(e: StationEnv): Credentials {
  if (!e.appid) throw new WxError('CONFIG_MISSING', { what: 'AppID', name: 'WXPROV_APPID' });
  // The same rule the app's setup applies, so the CLI never sends what the UI refuses.
  const appid = parseAppId(e.appid);
  if (!appid) throw new WxError('CONFIG_INVALID', { name: 'WXPROV_APPID', detail: e.appid, allowed: APPID_ALLOWED });
  if (!e.appsecret) throw new WxError('CONFIG_MISSING', { what: 'AppSecret', name: 'WXPROV_APPSECRET' });
  return { appid, appsecret: e.appsecret };
}
