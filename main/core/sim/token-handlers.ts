import type { SimTokens } from './sim-tokens.js';
import { fail, type Answer } from './types.js';

export interface Credentials {
  appid: string;
  appsecret: string;
}

/** The checks both token endpoints share, in the platform's order and with its errcodes. */
function credentialProblem(grantType: unknown, appid: unknown, secret: unknown, creds: Credentials): Answer | undefined {
  if (grantType !== 'client_credential') return fail(40002, 'invalid grant_type');
  if (typeof appid !== 'string' || appid === '') return fail(41002, 'appid missing');
  if (typeof secret !== 'string' || secret === '') return fail(41004, 'appsecret missing');
  if (appid !== creds.appid) return fail(40013, 'invalid appid');
  if (secret !== creds.appsecret) return fail(40125, 'invalid appsecret');
  return undefined;
}

/** GET /cgi-bin/token?grant_type=client_credential&appid=&secret= */
export function handlePlainToken(q: URLSearchParams, creds: Credentials, tokens: SimTokens): Answer | Record<string, unknown> {
  return credentialProblem(q.get('grant_type'), q.get('appid'), q.get('secret'), creds) ?? tokens.issuePlain();
}

/** POST /cgi-bin/stable_token {grant_type, appid, secret, force_refresh?} */
export function handleStableToken(body: Record<string, unknown>, creds: Credentials, tokens: SimTokens): Answer | Record<string, unknown> {
  return credentialProblem(body.grant_type, body.appid, body.secret, creds) ?? tokens.stable(body.force_refresh === true);
}
