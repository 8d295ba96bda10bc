import type { CoreContext } from '../context.js';
import { WxError, isWxError } from '../errors/wx-error.js';

/** The key store's name for the MES's bearer token. */
export const MES_TOKEN_NAME = 'mes_token';

export type MesTokenSource = 'environment' | 'stored' | 'none';

/** Where the token would come from, without opening anything (config and the setup screen show it). */
export function mesTokenSource(ctx: CoreContext): MesTokenSource {
  if (ctx.env.mesToken) return 'environment';
  return ctx.vault().valueMeta(MES_TOKEN_NAME) ? 'stored' : 'none';
}

/**
 * The MES's bearer token: WXPROV_MES_TOKEN when set (always wins), else the one the key store
 * keeps sealed. undefined: none given (the MES gets no Authorization header). A stored token
 * the store cannot open now is MES_TOKEN_UNAVAILABLE: sending without it would only be refused.
 */
export function mesToken(ctx: CoreContext): string | undefined {
  if (ctx.env.mesToken) return ctx.env.mesToken;
  const vault = ctx.vault();
  if (!vault.valueMeta(MES_TOKEN_NAME)) return undefined;
  let plain: Buffer | undefined;
  try {
    plain = vault.getValue(MES_TOKEN_NAME);
  } catch (e) {
    if (isWxError(e) && (e.code === 'KEY_PASSPHRASE_REQUIRED' || e.code === 'KEYSTORE_LOCKED')) throw new WxError('MES_TOKEN_UNAVAILABLE');
    throw e;
  }
  const token = plain?.toString('utf8');
  plain?.fill(0);
  return token;
}

/** Seals the token in the key store (an empty one removes it); one line (it becomes a header), at most 4096 characters. */
export function storeMesToken(ctx: CoreContext, token: string): void {
  if (/[\r\n]/.test(token) || token.length > 4096) throw new WxError('SETTING_INVALID', { key: MES_TOKEN_NAME, value: '(hidden)', allowed: 'one line of at most 4096 characters, or empty to remove it' });
  const vault = ctx.vault();
  if (token === '') {
    vault.deleteValue(MES_TOKEN_NAME);
    return;
  }
  const plain = Buffer.from(token, 'utf8');
  try {
    vault.setValue(MES_TOKEN_NAME, plain, 'MES');
  } finally {
    plain.fill(0);
  }
}
