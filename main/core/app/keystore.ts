import type { KeySlotView, KeystoreState, Mode } from '../../../preload/contract.js';
import type { CoreContext } from '../context.js';
import { isWxError } from '../errors/wx-error.js';
import type { OsKeychain } from '../keys/keychain.js';

export function keychainAvailable(k: OsKeychain | undefined): boolean {
  try {
    return k?.available() ?? false;
  } catch {
    return false;
  }
}

/** What the UI shows of the key store. Simulation has nothing to unlock; before real mode runs there is nothing to read. */
export function keystoreState(mode: Mode | null, real: CoreContext | undefined, keychain: OsKeychain | undefined): KeystoreState {
  const state = mode === 'simulation' ? 'simulation' : (real?.vault().state() ?? 'none');
  return { state, keychain: keychainAvailable(keychain) };
}

export function keystoreStatus(mode: Mode | null, real: CoreContext | undefined, keychain: OsKeychain | undefined): KeystoreState & { slots: KeySlotView[] } {
  return { ...keystoreState(mode, real, keychain), slots: mode === 'simulation' ? [] : (real?.vault().slots() ?? []) };
}

/**
 * Real mode's start, without asking anyone: a keychain slot this OS user opens, else
 * WXPROV_KEY_PASSPHRASE (`wxprov ui` honours it like the CLI, and sets the store up with it
 * on first use). Anything else leaves the store locked, for the UI to ask; a refused
 * passphrase is logged by its code, never shown.
 */
export function unlockAtStart(ctx: CoreContext, passphrase: string | undefined): void {
  const vault = ctx.vault();
  try {
    const state = vault.state();
    if (state === 'unlocked') return;
    if (state === 'locked' && vault.unlockWithKeychain()) return;
    if (!passphrase) return;
    if (state === 'none') vault.create(passphrase);
    else vault.unlock(passphrase);
  } catch (e) {
    ctx.log.warn('keystore.start_unlock_failed', { code: isWxError(e) ? e.code : 'INTERNAL' });
  }
}
