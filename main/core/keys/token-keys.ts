import os from 'node:os';
import type { CoreContext } from '../context.js';
import { WxError } from '../errors/wx-error.js';
import { signedMessage } from './ecdsa.js';
import type { KeyRow } from './key-store.js';
import type { TokenChoice } from './token-choice.js';
import { rememberPin, tokenPin } from './pkcs11/pin.js';
import { TokenSignPool } from './pkcs11/sign-pool.js';
import { TokenSession, tokenName, type TokenKeyRef, type TokenRef } from './pkcs11/token.js';

export type { TokenChoice } from './token-choice.js';

/** A row's token, by its serial when recorded (labels repeat across tokens), and its key. */
export function keyRef(r: KeyRow): TokenKeyRef {
  if (r.key_store !== 'pkcs11' || !r.pkcs11_module || !r.pkcs11_key_id) throw new Error('not a token key');
  return {
    module: r.pkcs11_module,
    // Found by serial when recorded (labels repeat across tokens); the label still names it to people.
    ...(r.pkcs11_token_serial ? { token_serial: r.pkcs11_token_serial } : {}),
    ...(r.pkcs11_token_label ? { token_label: r.pkcs11_token_label } : {}),
    key_id: r.pkcs11_key_id,
  };
}

/** The columns of a product_keys row that say where a token key lives. */
export function tokenColumns(s: TokenSession, keyId: string): Pick<KeyRow, 'key_store' | 'pkcs11_module' | 'pkcs11_token_label' | 'pkcs11_token_serial' | 'pkcs11_key_id'> {
  return { key_store: 'pkcs11', pkcs11_module: s.ref.module, pkcs11_token_label: s.label, pkcs11_token_serial: s.serial || null, pkcs11_key_id: keyId };
}

/**
 * Opens a session on the chosen token with the PIN the environment or the key store gives,
 * runs `fn`, closes it. A PIN from the environment that worked is kept in the key store when
 * the store is open to this process (the app and later runs then need no variable).
 */
export function withTokenSession<T>(ctx: CoreContext, ref: TokenRef, fn: (s: TokenSession) => T, o: { keygen?: boolean } = {}): T {
  const pin = ctx.env.pkcs11Pin ?? (ref.token_serial ? tokenPin(ctx, ref.token_serial) : undefined);
  const s = TokenSession.open(ref, pin, o);
  try {
    const out = fn(s);
    if (ctx.env.pkcs11Pin && s.serial) rememberPin(ctx, s.serial, s.label, ctx.env.pkcs11Pin);
    return out;
  } finally {
    s.close();
  }
}

/** Sessions kept open per token for single signatures (the line signs one id per unit). */
const sessions = new Map<string, TokenSession>();
const sessionKey = (r: TokenKeyRef) => `${r.module}\n${r.token_serial ?? ''}\n${r.token_label ?? ''}`;

/** One id signed in the token, through this process's session on it; a session the token dropped is opened again next time. */
export function tokenSigner(ctx: CoreContext, r: KeyRow, productId: number): (deviceId: string) => string {
  const ref = keyRef(r);
  const session = (): TokenSession => {
    const had = sessions.get(sessionKey(ref));
    if (had) return had;
    const s = TokenSession.open(ref, tokenPin(ctx, r.pkcs11_token_serial ?? undefined));
    sessions.set(sessionKey(ref), s);
    return s;
  };
  let key: { s: TokenSession; handle: Buffer } | undefined;
  const handle = () => {
    const s = session();
    if (key?.s !== s) key = { s, handle: s.findKey({ key_id: ref.key_id }).handle };
    return key;
  };
  handle(); // the token, the PIN and the key are checked now, before any unit is touched
  return (deviceId) => {
    const k = handle();
    try {
      return k.s.sign(k.handle, signedMessage(productId, deviceId));
    } catch (e) {
      if (e instanceof WxError && e.code === 'PKCS11_TOKEN_REMOVED') {
        sessions.delete(sessionKey(ref));
        k.s.close();
      }
      throw e;
    }
  };
}

/** A pool of signing threads, a session each, for files of ids; the caller closes it. Size: the cores, at most 4. */
export function tokenSignPool(ctx: CoreContext, r: KeyRow, productId: number, size?: number): TokenSignPool {
  return new TokenSignPool(keyRef(r), tokenPin(ctx, r.pkcs11_token_serial ?? undefined), productId, size ?? Math.max(1, Math.min(os.availableParallelism(), 4)));
}

export { tokenName };
