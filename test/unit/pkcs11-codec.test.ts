import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyPem } from '../../main/core/keys/ecdsa.js';
import { ecPointToPem, rawToDer } from '../../main/core/keys/pkcs11/ec.js';
import { tokenError } from '../../main/core/keys/pkcs11/errors.js';

// What a token gives back, made into what WMPF and openssl take: CKM_ECDSA's raw r‖s into a
// DER signature, CKA_EC_POINT into an SPKI PEM; and a token's CKR answers into the station's codes.

describe('raw r||s → DER', () => {
  it('verifies with node:crypto for 2,000 signatures (high bits, leading zeros and all)', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    let highBit = 0;
    let leadingZero = 0;
    for (let i = 0; i < 2000; i++) {
      const msg = Buffer.from(`1001_DEV${i}`);
      const raw = crypto.sign('sha256', msg, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      if (raw[0] & 0x80 || raw[32] & 0x80) highBit++;
      if (raw[0] === 0 || raw[32] === 0) leadingZero++;
      const der = rawToDer(raw);
      expect(der[0]).toBe(0x30);
      if (!crypto.verify('sha256', msg, publicKey, der)) throw new Error(`signature ${i} does not verify`);
    }
    expect(highBit).toBeGreaterThan(100); // the 0x00 pad was exercised
    expect(leadingZero).toBeGreaterThan(0); // and the stripped zero
  });

  it('refuses anything but 64 bytes', () => {
    expect(() => rawToDer(Buffer.alloc(63))).toThrow(/64 bytes/);
  });
});

describe('CKA_EC_POINT → SPKI PEM', () => {
  it('reads the DER OCTET STRING form and the bare point alike', () => {
    const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const point = publicKey.export({ type: 'spki', format: 'der' }).subarray(-65);
    expect(ecPointToPem(Buffer.concat([Buffer.from([0x04, 0x41]), point]))).toBe(publicKeyPem(publicKey));
    expect(ecPointToPem(point)).toBe(publicKeyPem(publicKey));
    expect(() => ecPointToPem(Buffer.alloc(33, 2))).toThrow(/uncompressed P-256/);
  });
});

describe("a token's answers as the station's codes", () => {
  const as = (ckr: string) => tokenError(new Error(`${ckr}:123 C_Login`), 'line1', '/m.so');
  it.each([
    ['CKR_PIN_INCORRECT', 'PKCS11_PIN_INCORRECT'],
    ['CKR_PIN_LOCKED', 'PKCS11_PIN_LOCKED'],
    ['CKR_DEVICE_REMOVED', 'PKCS11_TOKEN_REMOVED'],
    ['CKR_TOKEN_NOT_PRESENT', 'PKCS11_TOKEN_REMOVED'],
    ['CKR_SESSION_HANDLE_INVALID', 'PKCS11_TOKEN_REMOVED'],
    ['CKR_KEY_HANDLE_INVALID', 'PKCS11_TOKEN_REMOVED'],
    ['CKR_MECHANISM_INVALID', 'PKCS11_MECHANISM_UNSUPPORTED'],
    ['CKR_CURVE_NOT_SUPPORTED', 'PKCS11_MECHANISM_UNSUPPORTED'],
    ['CKR_FUNCTION_FAILED', 'PKCS11_FAILED'],
  ])('%s → %s', (ckr, code) => {
    const e = as(ckr);
    expect(e.code).toBe(code);
    expect(e.message).not.toMatch(/undefined/);
  });

  it('the token is named in the words, the CKR in the failure detail', () => {
    expect(as('CKR_PIN_LOCKED').toPayload()).toMatchObject({ message_en: 'The PIN of hardware key token "line1" is locked' });
    expect(as('CKR_FUNCTION_FAILED').toPayload().message_en).toContain('CKR_FUNCTION_FAILED (/m.so)');
  });
});
