import { parseApiBase } from '../config/api-base.js';
import { requireCredentials, type Credentials, type TokenMode } from '../config/env.js';
import { envValue } from '../config/home.js';
import { WxError } from '../errors/wx-error.js';
import { APPID_ALLOWED, parseAppId } from '../ids/appid.js';
import { redactor } from '../log/redact.js';
import { checkDatabaseUrl } from './db/url.js';

/** What the server reads from its environment: the CLI's variables (config/env.ts), plus its database. */
export interface ServerEnv {
  apiBase: string;
  appid?: string;
  appsecret?: string;
  keyPassphrase?: string;
  tokenMode: TokenMode;
  /** WXPROV_DATABASE_URL; --database wins. */
  databaseUrl?: string;
  /** WXPROV_PKCS11_PIN: the PIN of the token the server's product keys live in, when they do. */
  pkcs11Pin?: string;
  /** WXPROV_MES_TOKEN: the bearer token of the MES the server reports to and asks for its stations. */
  mesToken?: string;
}

/**
 * Read once at start. The AppID is checked now (a bad one would only show at the first
 * downlink); the AppSecret and passphrase are registered with the redactor before anything
 * can log. The server never stores the AppSecret: it lives in this process's environment.
 */
export function readServerEnv(env: NodeJS.ProcessEnv): ServerEnv {
  const apiBase = parseApiBase(env.WXPROV_API_BASE, 'WXPROV_API_BASE');
  const mode = env.WXPROV_TOKEN_MODE?.trim() || 'stable';
  if (mode !== 'stable' && mode !== 'token') throw new WxError('CONFIG_INVALID', { name: 'WXPROV_TOKEN_MODE', detail: mode, allowed: 'stable | token' });
  const rawAppid = envValue(env, 'WXPROV_APPID');
  const appid = rawAppid === undefined ? undefined : parseAppId(rawAppid);
  if (rawAppid !== undefined && !appid) throw new WxError('CONFIG_INVALID', { name: 'WXPROV_APPID', detail: rawAppid, allowed: APPID_ALLOWED });
  const appsecret = envValue(env, 'WXPROV_APPSECRET');
  const keyPassphrase = env.WXPROV_KEY_PASSPHRASE || undefined;
  const pkcs11Pin = env.WXPROV_PKCS11_PIN || undefined;
  redactor.add(appsecret);
  redactor.add(keyPassphrase);
  redactor.add(pkcs11Pin);
  const mesToken = envValue(env, 'WXPROV_MES_TOKEN');
  redactor.add(mesToken);
  const databaseUrl = envValue(env, 'WXPROV_DATABASE_URL');
  if (databaseUrl) checkDatabaseUrl(databaseUrl, 'WXPROV_DATABASE_URL');
  return { apiBase, appid, appsecret, keyPassphrase, tokenMode: mode, databaseUrl, pkcs11Pin, mesToken };
}

export const serverCredentials = (e: ServerEnv): Credentials => requireCredentials({ apiBase: e.apiBase, home: '', appid: e.appid, appsecret: e.appsecret, tokenMode: e.tokenMode });

/** `host:port`, `[v6]:port` or `:port` (every address); the port 0-65535 (0: any free one). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new WxError('INPUT_INVALID', { field: '--listen', detail: text, allowed: 'host:port, e.g. 0.0.0.0:8443 or 127.0.0.1:0' });
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/**
 * Where the server listens unless told: every address, on 8443. A factory server is there for
 * the stations on the line, which reach it over the network; everything it answers there
 * needs a one-time code or a credential, and the admin token is refused from any address but
 * the server's own. Tests and a trial on one computer pass --listen 127.0.0.1:0.
 */
export const DEFAULT_LISTEN = '0.0.0.0:8443';
