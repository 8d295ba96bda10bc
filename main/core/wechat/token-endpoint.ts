import { WxError } from '../errors/wx-error.js';
import { redactor } from '../log/redact.js';
import { callPlatform, retryWhenRetryable, type CallerDeps } from './caller.js';
import type { IssuedToken } from './token-cache.js';

export type TokenMode = 'stable' | 'token';

export interface TokenEndpointConfig {
  apiBase: string;
  appid: string;
  appsecret: string;
  mode: TokenMode;
}

/**
 * Asks the platform for a token. 'stable' (POST /cgi-bin/stable_token) is the default because
 * it returns the same token to every station sharing the AppID; /cgi-bin/token invalidates
 * the previous token, so two stations using it knock each other out.
 * Credential errors (40013, 40125, 40001, 40164, 40243) are answered errcodes, which the
 * shared policy never retries; only -1 and network faults are.
 */
export async function fetchToken(deps: CallerDeps, cfg: TokenEndpointConfig, forceRefresh: boolean): Promise<IssuedToken> {
  const stable = cfg.mode === 'stable';
  const url = new URL(stable ? 'cgi-bin/stable_token' : 'cgi-bin/token', cfg.apiBase + '/');
  if (!stable) {
    url.searchParams.set('grant_type', 'client_credential');
    url.searchParams.set('appid', cfg.appid);
    url.searchParams.set('secret', cfg.appsecret);
  }
  const body = stable
    ? { grant_type: 'client_credential', appid: cfg.appid, secret: cfg.appsecret, ...(forceRefresh ? { force_refresh: true } : {}) }
    : undefined;
  const r = await callPlatform(deps, {
    endpoint: stable ? 'stable_token' : 'token',
    request: { method: stable ? 'POST' : 'GET', url, body },
    policy: retryWhenRetryable,
    errcodeOptional: true,
  });
  if (!r.ok) throw r.failure.error;
  const token = r.value.access_token;
  const expiresIn = Number(r.value.expires_in);
  if (typeof token === 'string' && token.length > 0) redactor.add(token);
  if (typeof token !== 'string' || token.length === 0 || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new WxError('NET_BAD_RESPONSE', { detail: 'no access_token or expires_in' });
  }
  return { access_token: token, expires_in: expiresIn };
}
