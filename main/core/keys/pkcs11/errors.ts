import { WxError } from '../../errors/wx-error.js';
import { ckr } from './binding.js';

/** Return values that mean the token is no longer there (pulled out, its reader gone, or the objects we hold handles to gone with it). */
const GONE = new Set(['CKR_OBJECT_HANDLE_INVALID', 'CKR_KEY_HANDLE_INVALID', 'CKR_TOKEN_NOT_PRESENT', 'CKR_DEVICE_REMOVED', 'CKR_SESSION_HANDLE_INVALID', 'CKR_SESSION_CLOSED', 'CKR_DEVICE_ERROR', 'CKR_SLOT_ID_INVALID', 'CKR_TOKEN_NOT_RECOGNIZED']);

/**
 * A token's answer as the station's error: each case the engineer can act on has its code
 * (wrong PIN, locked PIN, token gone, mechanism missing), anything else PKCS11_FAILED with
 * the CKR_ name. The PIN never appears: pkcs11js errors carry only the function and the CKR.
 */
export function tokenError(e: unknown, token: string, module: string): WxError {
  if (e instanceof WxError) return e;
  const code = ckr(e);
  if (code === 'CKR_PIN_INCORRECT' || code === 'CKR_PIN_LEN_RANGE') return new WxError('PKCS11_PIN_INCORRECT', { token }, { cause: e });
  if (code === 'CKR_PIN_LOCKED' || code === 'CKR_PIN_EXPIRED') return new WxError('PKCS11_PIN_LOCKED', { token }, { cause: e });
  if (code && GONE.has(code)) return new WxError('PKCS11_TOKEN_REMOVED', { token }, { cause: e });
  if (code === 'CKR_MECHANISM_INVALID' || code === 'CKR_MECHANISM_PARAM_INVALID' || code === 'CKR_CURVE_NOT_SUPPORTED' || code === 'CKR_DOMAIN_PARAMS_INVALID') {
    return new WxError('PKCS11_MECHANISM_UNSUPPORTED', { token, mechanism: code }, { cause: e });
  }
  return new WxError('PKCS11_FAILED', { detail: `${code ?? (e instanceof Error ? e.message : String(e))} (${module})` }, { cause: e });
}
