import type { CoreContext } from '../../context.js';
import { isWxError } from '../../errors/wx-error.js';

/** The key store's name for a token's PIN: by the token's serial (labels repeat across tokens). */
export const pinValueName = (serial: string): string => `pkcs11_pin:${serial}`;

/**
 * A token's PIN: WXPROV_PKCS11_PIN when set (always wins), else the one the key store keeps
 * for that token. Never logged (the logger's redactor knows the environment's), never taken
 * from a command line. undefined: nobody has given one (PKCS11_PIN_REQUIRED follows).
 */
export function tokenPin(ctx: CoreContext, serial: string | undefined): string | undefined {
  if (ctx.env.pkcs11Pin) return ctx.env.pkcs11Pin;
  if (!serial) return undefined;
  const vault = ctx.vault();
  if (!vault.valueMeta(pinValueName(serial))) return undefined;
  let plain: Buffer | undefined;
  try {
    plain = vault.getValue(pinValueName(serial));
  } catch (e) {
    // A CLI with no passphrase cannot open the store: no PIN from it, and PKCS11_PIN_REQUIRED says what to set.
    if (isWxError(e) && e.code === 'KEY_PASSPHRASE_REQUIRED') return undefined;
    throw e;
  }
  const pin = plain?.toString('utf8');
  plain?.fill(0);
  return pin;
}

/**
 * Keeps the PIN that worked in the key store, sealed, so later runs (and the app) sign without
 * WXPROV_PKCS11_PIN. Only when the store is open to this process; otherwise the PIN stays
 * where it came from.
 */
export function rememberPin(ctx: CoreContext, serial: string, label: string, pin: string): boolean {
  try {
    const plain = Buffer.from(pin, 'utf8');
    try {
      ctx.vault().setValue(pinValueName(serial), plain, label);
    } finally {
      plain.fill(0);
    }
    return true;
  } catch (e) {
    if (isWxError(e)) {
      ctx.log.info('pkcs11.pin_not_kept', { token: label, reason: e.code });
      return false;
    }
    throw e;
  }
}
