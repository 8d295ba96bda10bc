import { describe, expect, it } from 'vitest';
import { generateKeyPair, privateKeyDer, privateKeyFromDer, publicKeyPem } from '../../main/core/keys/ecdsa.js';
import { PassphraseSealer } from '../../main/core/keys/passphrase-sealer.js';
import { frame, unframe } from '../../main/core/keys/sealer.js';
import { WxError } from '../../main/core/errors/wx-error.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof WxError ? e.code : `not a WxError: ${String(e)}`;
  }
  return 'no error';
}

// Layout of a pass1 blob: "WXS:pass1:" | salt 16 | iv 12 | tag 16 | ciphertext.
const HEAD = Buffer.from('WXS:pass1:', 'ascii').length;

describe('PassphraseSealer', () => {
  const sealer = new PassphraseSealer('correct horse battery staple');
  const key = generateKeyPair();
  const plain = privateKeyDer(key.privateKey);
  const sealed = sealer.seal(plain);

  it('round trips a private key, which then signs as before', () => {
    const back = sealer.unseal(sealed);
    expect(back.equals(plain)).toBe(true);
    expect(publicKeyPem(privateKeyFromDer(back))).toBe(publicKeyPem(key.publicKey));
  });

  it('round trips with another instance holding the same passphrase, and an empty plaintext', () => {
    expect(new PassphraseSealer('correct horse battery staple').unseal(sealed).equals(plain)).toBe(true);
    expect(sealer.unseal(sealer.seal(Buffer.alloc(0))).length).toBe(0);
  });

  it('tags the blob WXS:pass1: and sizes it header + salt + iv + tag + ciphertext', () => {
    expect(sealed.subarray(0, HEAD).toString('ascii')).toBe('WXS:pass1:');
    expect(sealed.length).toBe(HEAD + 16 + 12 + 16 + plain.length);
    expect(unframe(sealed)?.kind).toBe('pass1');
  });

  it('refuses a wrong passphrase with KEY_UNSEAL_FAILED', () => {
    expect(codeOf(() => new PassphraseSealer('Correct horse battery staple').unseal(sealed))).toBe('KEY_UNSEAL_FAILED');
    expect(codeOf(() => new PassphraseSealer('correct horse battery staple ').unseal(sealed))).toBe('KEY_UNSEAL_FAILED');
  });

  it('never writes the plaintext, nor any 8-byte run of it, into the blob', () => {
    expect(sealed.includes(plain)).toBe(false);
    const marker = Buffer.from('PLAINTEXT-MARKER-0123456789-PLAINTEXT-MARKER', 'ascii');
    const blob = sealer.seal(marker);
    expect(blob.includes(marker)).toBe(false);
    for (let i = 0; i + 8 <= plain.length; i++) expect(sealed.includes(plain.subarray(i, i + 8))).toBe(false);
    for (let i = 0; i + 8 <= marker.length; i++) expect(blob.includes(marker.subarray(i, i + 8))).toBe(false);
  });

  it('seals the same data differently each time (random salt and iv)', () => {
    const again = sealer.seal(plain);
    expect(again.equals(sealed)).toBe(false);
    const salt = (b: Buffer) => b.subarray(HEAD, HEAD + 16);
    const iv = (b: Buffer) => b.subarray(HEAD + 16, HEAD + 28);
    expect(salt(again).equals(salt(sealed))).toBe(false);
    expect(iv(again).equals(iv(sealed))).toBe(false);
    expect(sealer.unseal(again).equals(plain)).toBe(true);
  });

  it('refuses an empty passphrase with KEY_PASSPHRASE_REQUIRED', () => {
    expect(codeOf(() => new PassphraseSealer(''))).toBe('KEY_PASSPHRASE_REQUIRED');
  });

  it('refuses any single tampered byte (header, salt, iv, tag, ciphertext) with KEY_UNSEAL_FAILED', () => {
    const positions = [0, 4, HEAD - 1, HEAD, HEAD + 15, HEAD + 16, HEAD + 27, HEAD + 28, HEAD + 43, HEAD + 44, sealed.length - 1];
    for (const at of positions) {
      const bad = Buffer.from(sealed);
      bad[at] ^= 0x01;
      expect(codeOf(() => sealer.unseal(bad)), `byte ${at}`).toBe('KEY_UNSEAL_FAILED');
    }
  });

  it('refuses a truncated or extended blob with KEY_UNSEAL_FAILED', () => {
    for (const n of [0, 5, HEAD, HEAD + 10, HEAD + 28, HEAD + 30, HEAD + 40, HEAD + 44, sealed.length - 1]) {
      expect(codeOf(() => sealer.unseal(sealed.subarray(0, n))), `first ${n} bytes`).toBe('KEY_UNSEAL_FAILED');
    }
    expect(codeOf(() => sealer.unseal(Buffer.concat([sealed, Buffer.from([0])])))).toBe('KEY_UNSEAL_FAILED');
  });

  it("refuses another sealer's blob with KEY_UNSEAL_FAILED", () => {
    const body = sealed.subarray(HEAD);
    expect(codeOf(() => sealer.unseal(frame('safe1', body)))).toBe('KEY_UNSEAL_FAILED');
    expect(codeOf(() => sealer.unseal(Buffer.from(plain)))).toBe('KEY_UNSEAL_FAILED');
  });
});
