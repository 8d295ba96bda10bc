import { createRequire } from 'node:module';
import type * as P11 from 'pkcs11js';
import { WxError } from '../../errors/wx-error.js';

export type Pkcs11Lib = typeof P11;
export type Pkcs11Module = InstanceType<Pkcs11Lib['PKCS11']>;

let lib: Pkcs11Lib | undefined;

/**
 * pkcs11js, loaded when a key in a token is first used: a station that never uses one never
 * loads a native addon for it. It is N-API, so the Electron main loads npm's build as it is
 * (native/electron-build.ts).
 */
export function pkcs11js(): Pkcs11Lib {
  if (lib) return lib;
  try {
    lib = createRequire(import.meta.url)('pkcs11js') as Pkcs11Lib;
  } catch (e) {
    throw new WxError('PKCS11_UNAVAILABLE', { detail: (e as Error).message.split('\n')[0] }, { cause: e });
  }
  return lib;
}

/** The CKR_ name a pkcs11js error carries (`CKR_PIN_INCORRECT`), if any. */
export const ckr = (e: unknown): string | undefined => /\b(CKR_[A-Z_]+)/.exec(e instanceof Error ? e.message : String(e))?.[1];
