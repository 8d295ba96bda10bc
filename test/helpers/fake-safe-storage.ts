import crypto from 'node:crypto';
import type { SafeStorageLike } from '../../main/safe-storage-keychain.js';

export type FakeSafeStorage = SafeStorageLike & { calls: string[]; key: Buffer };

/**
 * A stand-in for Electron's safeStorage that really encrypts: AES-256-GCM under a key only
 * this object holds, as the OS keychain holds its own. Pass the same `key` to play the same OS
 * user on the same computer across app restarts; another key is another computer. `backend`
 * null means no getSelectedStorageBackend (Windows, macOS); 'basic_text' is Linux without a
 * keyring (Chromium's fixed key: encryption "works" and protects nothing).
 */
export function fakeSafeStorage(o: { available?: boolean; backend?: string | null; key?: Buffer } = {}): FakeSafeStorage {
  const key = o.key ?? crypto.randomBytes(32);
  const calls: string[] = [];
  const MARK = Buffer.from('v11');
  const available = o.available ?? true;
  const ss = {
    calls,
    key,
    isEncryptionAvailable: () => available,
    encryptString(text: string) {
      calls.push(text);
      if (!available) throw new Error('Encryption is not available.');
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(text, 'utf8'), c.final()]);
      return Buffer.concat([MARK, iv, c.getAuthTag(), ct]);
    },
    decryptString(buf: Buffer) {
      if (!available) throw new Error('Decryption is not available.');
      if (buf.length < 31 || !buf.subarray(0, 3).equals(MARK)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      const d = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(3, 15));
      d.setAuthTag(buf.subarray(15, 31));
      try {
        return Buffer.concat([d.update(buf.subarray(31)), d.final()]).toString('utf8');
      } catch {
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      }
    },
  };
  if (o.backend !== null) Object.assign(ss, { getSelectedStorageBackend: () => o.backend ?? 'gnome_libsecret' });
  return ss as FakeSafeStorage;
}
