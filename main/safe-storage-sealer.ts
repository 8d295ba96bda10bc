import type { SafeStorage } from 'electron';
import { WxError } from './core/errors/wx-error.js';
import { frame, unframe, type Sealer } from './core/keys/sealer.js';

/**
 * The app's sealer: Electron safeStorage (DPAPI on Windows, Keychain on macOS, the desktop
 * keyring on Linux). safeStorage takes strings, and a key or secret is arbitrary bytes, so
 * what is encrypted is the base64 of the plain buffer; the blob is `WXS:safe1:` + the
 * encrypted bytes. A blob sealed here opens only for this OS user on this computer.
 *
 * The safeStorage object is a parameter so a test passes a fake (Electron cannot load there).
 * The sync calls are deprecated in Electron 45 in favour of the async ones, but the Sealer
 * interface is synchronous (it is used inside SQLite transactions).
 */
export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

const KIND = 'safe1';

export class SafeStorageSealer implements Sealer {
  readonly kind = KIND;
  constructor(private readonly ss: SafeStorageLike) {}

  seal(plain: Buffer): Buffer {
    // Never fall back to storing a secret in the clear.
    if (!this.ss.isEncryptionAvailable()) {
      throw new WxError('CONFIG_INVALID', {
        name: 'safeStorage',
        detail: 'OS encryption is not available',
        allowed: 'Windows DPAPI, the macOS Keychain, or a Linux keyring (gnome-libsecret, kwallet)',
      });
    }
    return frame(KIND, this.ss.encryptString(plain.toString('base64')));
  }

  unseal(sealed: Buffer): Buffer {
    const f = unframe(sealed);
    if (!f || f.kind !== KIND || f.body.length === 0) throw new WxError('KEY_UNSEAL_FAILED', { product_id: '?' });
    let text: string;
    try {
      text = this.ss.decryptString(f.body);
    } catch (e) {
      throw new WxError('KEY_UNSEAL_FAILED', { product_id: '?' }, { cause: e });
    }
    return Buffer.from(text, 'base64');
  }
}

/**
 * What the UI is told about where secrets go. On Linux without a keyring Electron falls back
 * to the `basic_text` backend (a fixed key): sealing "works" but protects nothing, and the UI
 * says so. getSelectedStorageBackend exists on Linux only; elsewhere the OS store is real.
 */
export function safeStorageInfo(ss: SafeStorageLike): { kind: 'safeStorage'; encrypted: boolean } {
  let backend: string | undefined;
  try {
    backend = ss.getSelectedStorageBackend?.();
  } catch {
    backend = undefined;
  }
  return { kind: 'safeStorage', encrypted: ss.isEncryptionAvailable() && backend !== 'basic_text' };
}
