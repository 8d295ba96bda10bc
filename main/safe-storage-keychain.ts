import type { SafeStorage } from 'electron';
import os from 'node:os';
import { WxError } from './core/errors/wx-error.js';
import type { OsKeychain } from './core/keys/keychain.js';
import { unframe, type Opener } from './core/keys/sealer.js';

/**
 * Electron's safeStorage as the key store's OS keychain (DPAPI on Windows, the Keychain on
 * macOS, a desktop keyring on Linux), and the opener for what the app sealed with it before
 * the key store (`WXS:safe1:`). safeStorage takes strings, so what it encrypts is base64.
 *
 * The safeStorage object is a parameter so a test passes a stand-in (Electron cannot load
 * there). Its sync calls are deprecated in Electron 45 in favour of async ones, but the key
 * store is synchronous (it seals inside SQLite transactions).
 */
export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

function backend(ss: SafeStorageLike): string | undefined {
  try {
    return ss.getSelectedStorageBackend?.();
  } catch {
    return undefined;
  }
}

/**
 * Whether the OS really keeps the secret. On Linux without a keyring Electron falls back to
 * `basic_text`, a key fixed in Chromium: encrypting "works" and protects nothing, so it counts
 * as no keychain and the app asks for the passphrase. getSelectedStorageBackend exists on
 * Linux only; elsewhere availability is the answer.
 */
export function safeStorageIsReal(ss: SafeStorageLike): boolean {
  try {
    return ss.isEncryptionAvailable() && backend(ss) !== 'basic_text';
  } catch {
    return false;
  }
}

export function safeStorageKeychain(ss: SafeStorageLike): OsKeychain {
  return {
    available: () => safeStorageIsReal(ss),
    label: `safeStorage ${backend(ss) ?? process.platform} on ${os.hostname()}`,
    wrap(plain) {
      // Never a slot that only looks sealed.
      if (!safeStorageIsReal(ss)) throw new WxError('CONFIG_INVALID', { name: 'safeStorage', detail: 'the OS keychain does not keep secrets here', allowed: 'Windows DPAPI, the macOS Keychain, or a Linux keyring' });
      return ss.encryptString(plain.toString('base64'));
    },
    unwrap: (blob) => Buffer.from(ss.decryptString(blob), 'base64'),
  };
}

/** `WXS:safe1:` blobs (the app before the key store; `basic_text` ones too), opened once to be re-sealed. */
export function safeStorageLegacyOpener(ss: SafeStorageLike): Opener {
  return {
    kind: 'safe1',
    unseal(sealed) {
      const f = unframe(sealed);
      if (!f || f.kind !== 'safe1' || f.body.length === 0) throw new WxError('KEY_UNSEAL_FAILED', { product_id: '?' });
      try {
        return Buffer.from(ss.decryptString(f.body), 'base64');
      } catch (e) {
        throw new WxError('KEY_UNSEAL_FAILED', { product_id: '?' }, { cause: e });
      }
    },
  };
}
