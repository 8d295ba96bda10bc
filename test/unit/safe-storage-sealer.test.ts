import { describe, expect, it } from 'vitest';
import { unframe } from '../../main/core/keys/sealer.js';
import { PassphraseSealer } from '../../main/core/keys/passphrase-sealer.js';
import { SafeStorageSealer, safeStorageInfo, type SafeStorageLike } from '../../main/safe-storage-sealer.js';

/** A stand-in for Electron's safeStorage: reversible, string in, opaque bytes out. */
function fakeSafeStorage(o: { available?: boolean; backend?: string | null } = {}): SafeStorageLike & { calls: string[] } {
  const calls: string[] = [];
  const MARK = Buffer.from('v10');
  const ss = {
    calls,
    isEncryptionAvailable: () => o.available ?? true,
    encryptString(text: string) {
      calls.push(text);
      if (!(o.available ?? true)) throw new Error('Encryption is not available.');
      return Buffer.concat([MARK, Buffer.from(text, 'utf8').map((b) => b ^ 0x5a)]);
    },
    decryptString(buf: Buffer) {
      if (!(o.available ?? true)) throw new Error('Decryption is not available.');
      if (!buf.subarray(0, 3).equals(MARK)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(buf.subarray(3).map((b) => b ^ 0x5a)).toString('utf8');
    },
  };
  if (o.backend !== null) Object.assign(ss, { getSelectedStorageBackend: () => o.backend ?? 'gnome_libsecret' });
  return ss as SafeStorageLike & { calls: string[] };
}

describe('SafeStorageSealer', () => {
  it('round-trips arbitrary bytes, not only text', () => {
    const s = new SafeStorageSealer(fakeSafeStorage());
    const plain = Buffer.from([0, 255, 1, 128, 0x80, 0xc3, 0x28, 10, 13]);
    const sealed = s.seal(plain);
    expect(s.unseal(sealed).equals(plain)).toBe(true);
    const big = Buffer.alloc(4096, 7);
    expect(s.unseal(s.seal(big)).equals(big)).toBe(true);
  });

  it('tags every blob WXS:safe1: and hands safeStorage only base64', () => {
    const ss = fakeSafeStorage();
    const s = new SafeStorageSealer(ss);
    expect(s.kind).toBe('safe1');
    const sealed = s.seal(Buffer.from('-----BEGIN PRIVATE KEY-----'));
    expect(sealed.subarray(0, 10).toString('ascii')).toBe('WXS:safe1:');
    expect(unframe(sealed)?.kind).toBe('safe1');
    expect(ss.calls).toEqual([Buffer.from('-----BEGIN PRIVATE KEY-----').toString('base64')]);
    // The plain text is not in the blob.
    expect(sealed.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
  });

  it('refuses to seal when OS encryption is not available, and never calls encryptString', () => {
    const ss = fakeSafeStorage({ available: false });
    const s = new SafeStorageSealer(ss);
    expect(() => s.seal(Buffer.from('secret'))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(ss.calls).toEqual([]);
  });

  it('refuses blobs of another sealer, untagged or damaged blobs with KEY_UNSEAL_FAILED', () => {
    const s = new SafeStorageSealer(fakeSafeStorage());
    const pass = new PassphraseSealer('pw').seal(Buffer.from('x'));
    for (const blob of [pass, Buffer.from('not sealed'), Buffer.from('WXS:safe1:'), Buffer.from('WXS:safe1:garbage')]) {
      expect(() => s.unseal(blob)).toThrow(expect.objectContaining({ code: 'KEY_UNSEAL_FAILED' }));
    }
  });

  it('a blob sealed here does not open once encryption is gone', () => {
    const sealed = new SafeStorageSealer(fakeSafeStorage()).seal(Buffer.from('k'));
    expect(() => new SafeStorageSealer(fakeSafeStorage({ available: false })).unseal(sealed)).toThrow(
      expect.objectContaining({ code: 'KEY_UNSEAL_FAILED' }),
    );
  });
});

describe('safeStorageInfo', () => {
  it('reports a real keyring as encrypted', () => {
    expect(safeStorageInfo(fakeSafeStorage({ backend: 'gnome_libsecret' }))).toEqual({ kind: 'safeStorage', encrypted: true });
    expect(safeStorageInfo(fakeSafeStorage({ backend: 'kwallet6' }))).toEqual({ kind: 'safeStorage', encrypted: true });
  });

  it('reports the Linux plain-text backend as not encrypted, so the UI warns', () => {
    expect(safeStorageInfo(fakeSafeStorage({ backend: 'basic_text' }))).toEqual({ kind: 'safeStorage', encrypted: false });
  });

  it('on Windows and macOS (no backend query) it is encrypted when available', () => {
    expect(safeStorageInfo(fakeSafeStorage({ backend: null }))).toEqual({ kind: 'safeStorage', encrypted: true });
    expect(safeStorageInfo(fakeSafeStorage({ backend: null, available: false }))).toEqual({ kind: 'safeStorage', encrypted: false });
  });
});
