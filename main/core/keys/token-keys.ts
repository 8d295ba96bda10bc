import os from 'node:os';
import type { CoreContext } from '../context.js';
import { signedMessage } from './ecdsa.js';
import type { KeyRow } from './key-store.js';
import type { TokenChoice } from './token-choice.js';
import { rememberPin, tokenPin } from './pkcs11/pin.js';
import { TokenSignPool } from './pkcs11/sign-pool.js';
import { TokenKey } from './pkcs11/token-key.js';
import { TokenSession, tokenName, type TokenKeyRef, type TokenRef } from './pkcs11/token.js';

export type { TokenChoice } from './token-choice.js';

/** A row's token, by its serial when recorded (labels repeat across tokens), and its key. */
export function keyRef(r: Pick<KeyRow, 'key_store' | 'pkcs11_module' | 'pkcs11_token_label' | 'pkcs11_token_serial' | 'pkcs11_key_id'>): TokenKeyRef {
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
  const s = TokenSession.open(ref, tokenPin(ctx, ref.token_serial), o);
  try {
    const out = fn(s);
    if (ctx.env.pkcs11Pin && s.serial) rememberPin(ctx, s.serial, s.label, ctx.env.pkcs11Pin);
    return out;
  } finally {
    s.close();
  }
}

/** This process's keys in tokens, kept open for single signatures (token-key.ts). */
const open = new Map<string, TokenKey>();

/** One id signed in the token; the token, the PIN and the key are checked when this returns, before any unit is touched. */
export function tokenSigner(ctx: CoreContext, r: KeyRow, productId: number): (deviceId: string) => string {
  const ref = keyRef(r);
  const name = `${ref.module}\n${ref.token_serial ?? ''}\n${ref.token_label ?? ''}\n${ref.key_id}`;
  let key = open.get(name);
  if (!key) open.set(name, (key = new TokenKey(ref, () => tokenPin(ctx, r.pkcs11_token_serial ?? undefined))));
  const k = key.open();
  return (deviceId) => k.sign(signedMessage(productId, deviceId));
}

/** A pool of signing threads, a session each, for files of ids; the caller closes it. Size: the cores, at most 4. */
export function tokenSignPool(ctx: CoreContext, r: KeyRow, productId: number, size?: number): TokenSignPool {
  return new TokenSignPool(keyRef(r), tokenPin(ctx, r.pkcs11_token_serial ?? undefined), productId, size ?? Math.max(1, Math.min(os.availableParallelism(), 4)));
}

export { tokenName };
