import { WxError } from '../errors/wx-error.js';
import { envValue, resolveHome } from './home.js';

export const DEFAULT_API_BASE = 'https://api.weixin.qq.com';

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
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): StationEnv {
  const apiBase = (env.WXPROV_API_BASE?.trim() || DEFAULT_API_BASE).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new WxError('CONFIG_INVALID', { name: 'WXPROV_API_BASE', detail: apiBase, allowed: 'http(s)://host[:port]' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WxError('CONFIG_INVALID', { name: 'WXPROV_API_BASE', detail: apiBase, allowed: 'http(s)://host[:port]' });
  }
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
  };
}

export interface Credentials {
  appid: string;
  appsecret: string;
}

export function requireCredentials(e: StationEnv): Credentials {
  if (!e.appid) throw new WxError('CONFIG_MISSING', { name: 'WXPROV_APPID' });
  if (!e.appsecret) throw new WxError('CONFIG_MISSING', { name: 'WXPROV_APPSECRET' });
  return { appid: e.appid, appsecret: e.appsecret };
}
