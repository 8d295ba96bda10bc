import { describe, expect, it } from 'vitest';
import { PassphraseSealer } from '../../main/core/keys/passphrase-sealer.js';
import { frame } from '../../main/core/keys/sealer.js';
import { safeStorageIsReal, safeStorageKeychain, safeStorageLegacyOpener } from '../../main/safe-storage-keychain.js';
import { fakeSafeStorage } from '../helpers/fake-safe-storage.js';

// The Electron side of the key store, on a safeStorage stand-in that really encrypts.

describe('safeStorageIsReal: where the OS keychain counts as one', () => {
  it('a real keyring, Windows and macOS count', () => {
    expect(safeStorageIsReal(fakeSafeStorage({ backend: 'gnome_libsecret' }))).toBe(true);
    expect(safeStorageIsReal(fakeSafeStorage({ backend: 'kwallet6' }))).toBe(true);
    expect(safeStorageIsReal(fakeSafeStorage({ backend: null }))).toBe(true);
  });

  it("Linux's basic_text fallback and unavailable encryption count as none", () => {
    expect(safeStorageIsReal(fakeSafeStorage({ backend: 'basic_text' }))).toBe(false);
    expect(safeStorageIsReal(fakeSafeStorage({ backend: null, available: false }))).toBe(false);
  });
});

describe('safeStorageKeychain', () => {
  it('wraps arbitrary bytes so only the same keychain unwraps them', () => {
    const ss = fakeSafeStorage();
    const k = safeStorageKeychain(ss);
    expect(k.available()).toBe(true);
    expect(k.label).toMatch(/^safeStorage gnome_libsecret on /);
    const plain = Buffer.from([0, 255, 1, 128, 0xc3, 0x28, 10, 13, ...Buffer.alloc(32, 7)]);
    const wrapped = k.wrap(plain);
    expect(wrapped.includes(plain)).toBe(false);
    expect(k.unwrap(wrapped).equals(plain)).toBe(true);
    expect(() => safeStorageKeychain(fakeSafeStorage()).unwrap(wrapped)).toThrow();
  });

  it('never wraps where the OS does not really keep secrets (basic_text), and never calls encryptString there', () => {
    const ss = fakeSafeStorage({ backend: 'basic_text' });
    const k = safeStorageKeychain(ss);
    expect(k.available()).toBe(false);
    expect(() => k.wrap(Buffer.from('data key'))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(ss.calls).toEqual([]);
  });
});

describe('safeStorageLegacyOpener: WXS:safe1: blobs from before the key store', () => {
  const oldSeal = (ss: ReturnType<typeof fakeSafeStorage>, plain: Buffer) => frame('safe1', ss.encryptString(plain.toString('base64')));

  it('opens what the app sealed the old way, basic_text ones too', () => {
    for (const backend of ['gnome_libsecret', 'basic_text']) {
      const ss = fakeSafeStorage({ backend });
      const plain = Buffer.from('-----BEGIN PRIVATE KEY-----');
      const opener = safeStorageLegacyOpener(ss);
      expect(opener.kind).toBe('safe1');
      expect(opener.unseal(oldSeal(ss, plain)).equals(plain)).toBe(true);
    }
  });

  it('refuses other blobs, damaged ones and another keychain with KEY_UNSEAL_FAILED', () => {
    const ss = fakeSafeStorage();
    const opener = safeStorageLegacyOpener(ss);
    const pass = new PassphraseSealer('pw').seal(Buffer.from('x'));
    const other = oldSeal(fakeSafeStorage(), Buffer.from('k'));
    for (const blob of [pass, other, Buffer.from('not sealed'), Buffer.from('WXS:safe1:'), Buffer.from('WXS:safe1:garbage')]) {
      expect(() => opener.unseal(blob)).toThrow(expect.objectContaining({ code: 'KEY_UNSEAL_FAILED' }));
    }
  });
});
