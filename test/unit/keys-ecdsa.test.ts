import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeSignature,
  generateKeyPair,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  privateKeyDer,
  privateKeyFromDer,
  publicKeyPem,
  signDeviceId,
  signedMessage,
  verifyDeviceId,
} from '../../main/core/keys/ecdsa.js';
import { WxError } from '../../main/core/errors/wx-error.js';

/** The WxError code a call throws, 'no error' when it returns, or a marker for a foreign error. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof WxError ? e.code : `not a WxError: ${String(e)}`;
  }
  return 'no error';
}

/** Parses a DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs, short-form lengths as P-256 always has). */
function parseDerSig(der: Buffer): { r: Buffer; s: Buffer } {
  expect(der[0]).toBe(0x30);
  expect(der[1]).toBe(der.length - 2);
  let at = 2;
  const ints: Buffer[] = [];
  for (let i = 0; i < 2; i++) {
    expect(der[at]).toBe(0x02);
    const len = der[at + 1];
    expect(len).toBeGreaterThanOrEqual(1);
    expect(len).toBeLessThanOrEqual(33);
    ints.push(der.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  expect(at).toBe(der.length);
  return { r: ints[0], s: ints[1] };
}

const PID = 1234567;
const pair = generateKeyPair();
const other = generateKeyPair();

/** A fresh signature (of SN0001) whose base64 text satisfies `pred`. */
function sigWhere(pred: (s: string) => boolean): string {
  for (let i = 0; i < 1000; i++) {
    const s = signDeviceId(pair.privateKey, PID, 'SN0001');
    if (pred(s)) return s;
  }
  throw new Error('no such signature in 1000 tries');
}

describe('signDeviceId / verifyDeviceId', () => {
  it('round trips', () => {
    const sig = signDeviceId(pair.privateKey, PID, 'SN0001');
    expect(verifyDeviceId(pair.publicKey, PID, 'SN0001', sig)).toBe(true);
  });

  it('writes one line of base64 that decodes to a DER SEQUENCE, 70-72 bytes in practice', () => {
    const lengths: number[] = [];
    for (let i = 0; i < 200; i++) {
      const sig = signDeviceId(pair.privateKey, PID, `DEV-${i}_x`);
      expect(sig).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(sig).not.toMatch(/[\r\n\s]/);
      expect(sig.length % 4).toBe(0);
      const der = Buffer.from(sig, 'base64');
      expect(der.toString('base64')).toBe(sig);
      expect(der[0]).toBe(0x30);
      expect(der.length).toBeLessThanOrEqual(72);
      parseDerSig(der);
      lengths.push(der.length);
    }
    // r and s are each under 2^248 about once in 256 signatures, which makes a 69-byte (or
    // shorter) DER: legal, and verified like any other (see the next test). So "70-72 bytes"
    // holds for nearly every signature, not all of them.
    const typical = lengths.filter((n) => n >= 70 && n <= 72).length;
    expect(typical).toBeGreaterThanOrEqual(190);
  });

  it('also verifies the rare short (<70 byte) DER signature', () => {
    let sig = '';
    for (let i = 0; i < 20_000 && !sig; i++) {
      const s = signDeviceId(pair.privateKey, PID, 'SHORT');
      if (Buffer.from(s, 'base64').length < 70) sig = s;
    }
    expect(sig, 'no short signature in 20000 tries (p < 1e-30)').not.toBe('');
    expect(decodeSignature(sig).length).toBeLessThan(70);
    expect(verifyDeviceId(pair.publicKey, PID, 'SHORT', sig)).toBe(true);
  });

  it('signs exactly the bytes <product_id>_<device_id>, nothing more', () => {
    expect(signedMessage(PID, 'AB-12_c')).toEqual(Buffer.from('1234567_AB-12_c', 'ascii'));
    const der = Buffer.from(signDeviceId(pair.privateKey, PID, 'AB-12_c'), 'base64');
    const verifies = (msg: string) => crypto.verify('sha256', Buffer.from(msg, 'binary'), pair.publicKey, der);
    expect(verifies('1234567_AB-12_c')).toBe(true);
    expect(verifies('1234567_AB-12_c\n')).toBe(false);
    expect(verifies('AB-12_c')).toBe(false);
    expect(verifies('1234567AB-12_c')).toBe(false);
    expect(verifies('1234567-AB-12_c')).toBe(false);
  });

  it('rejects a different device id, a different product id and another key', () => {
    const sig = signDeviceId(pair.privateKey, PID, 'SN0001');
    expect(verifyDeviceId(pair.publicKey, PID, 'SN0002', sig)).toBe(false);
    expect(verifyDeviceId(pair.publicKey, PID, 'sn0001', sig)).toBe(false);
    expect(verifyDeviceId(pair.publicKey, PID + 1, 'SN0001', sig)).toBe(false);
    expect(verifyDeviceId(other.publicKey, PID, 'SN0001', sig)).toBe(false);
  });

  it('is randomised: two signatures of the same id differ and both verify', () => {
    const a = signDeviceId(pair.privateKey, PID, 'SAME');
    const b = signDeviceId(pair.privateKey, PID, 'SAME');
    expect(a).not.toBe(b);
    expect(verifyDeviceId(pair.publicKey, PID, 'SAME', a)).toBe(true);
    expect(verifyDeviceId(pair.publicKey, PID, 'SAME', b)).toBe(true);
  });

  it('verifies with the key read back from its SPKI PEM and a private key read back from sealed DER', () => {
    const pem = publicKeyPem(pair.publicKey);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    const priv = privateKeyFromDer(privateKeyDer(pair.privateKey));
    const sig = signDeviceId(priv, PID, 'X1');
    expect(verifyDeviceId(parsePublicKeyPem(pem), PID, 'X1', sig)).toBe(true);
  });

  it('publicKeyPem of a private key is the SPKI PEM of its public half (key import relies on it)', () => {
    expect(publicKeyPem(pair.privateKey)).toBe(publicKeyPem(pair.publicKey));
    const fromSec1 = parsePrivateKeyPem(pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString());
    expect(publicKeyPem(fromSec1)).toBe(publicKeyPem(pair.publicKey));
  });
});

describe('decodeSignature', () => {
  const sig = signDeviceId(pair.privateKey, PID, 'SN0001');

  it('accepts a one-line signature and returns its DER', () => {
    expect(decodeSignature(sig)).toEqual(Buffer.from(sig, 'base64'));
  });

  it('refuses wrapped signatures (as `openssl base64` writes them) with SIGNATURE_MALFORMED', () => {
    const wrapped = `${sig.slice(0, 64)}\n${sig.slice(64)}`;
    expect(codeOf(() => decodeSignature(wrapped))).toBe('SIGNATURE_MALFORMED');
    expect(codeOf(() => decodeSignature(`${sig.slice(0, 64)}\r\n${sig.slice(64)}`))).toBe('SIGNATURE_MALFORMED');
    expect(codeOf(() => decodeSignature(`${sig}\n`))).toBe('SIGNATURE_MALFORMED');
    expect(codeOf(() => decodeSignature(`${sig}\r`))).toBe('SIGNATURE_MALFORMED');
    // verify does not quietly answer false: it says why.
    expect(codeOf(() => verifyDeviceId(pair.publicKey, PID, 'SN0001', wrapped))).toBe('SIGNATURE_MALFORMED');
  });

  it('refuses bracketed, quoted and non-base64 input with SIGNATURE_MALFORMED', () => {
    for (const bad of [`[${sig}]`, `<${sig}>`, `{${sig}}`, `"${sig}"`, `(${sig})`, 'not base64!', sig.replace(/.$/, '*'), `${sig.slice(0, 10)} ${sig.slice(10)}`, '', '====']) {
      expect(codeOf(() => decodeSignature(bad)), JSON.stringify(bad)).toBe('SIGNATURE_MALFORMED');
    }
  });

  it('refuses base64url, missing padding and base64 of something that is not DER', () => {
    const withSlashOrPlus = sigWhere((s) => /[+/]/.test(s));
    expect(codeOf(() => decodeSignature(withSlashOrPlus.replace(/\+/g, '-').replace(/\//g, '_')))).toBe('SIGNATURE_MALFORMED');
    const padded = sigWhere((s) => s.endsWith('='));
    expect(codeOf(() => decodeSignature(padded.replace(/=+$/, '')))).toBe('SIGNATURE_MALFORMED');
    expect(codeOf(() => decodeSignature(Buffer.alloc(71, 0x31).toString('base64')))).toBe('SIGNATURE_MALFORMED'); // not a SEQUENCE
    expect(codeOf(() => decodeSignature(Buffer.concat([Buffer.from(sig, 'base64'), Buffer.alloc(3)]).toString('base64')))).toBe(
      'SIGNATURE_MALFORMED',
    ); // over 72 bytes
    expect(codeOf(() => decodeSignature('MAA='))).toBe('SIGNATURE_MALFORMED'); // 0x30 0x00: too short
  });
});

describe('parsePrivateKeyPem', () => {
  const ec = generateKeyPair().privateKey;

  it('accepts PKCS#8 ("BEGIN PRIVATE KEY") and the key signs', () => {
    const pem = ec.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(pem).toContain('-----BEGIN PRIVATE KEY-----');
    const k = parsePrivateKeyPem(pem);
    const pub = crypto.createPublicKey(ec);
    expect(verifyDeviceId(pub, PID, 'A', signDeviceId(k, PID, 'A'))).toBe(true);
  });

  it('accepts SEC1 ("BEGIN EC PRIVATE KEY"), with or without an EC PARAMETERS block in front', () => {
    const sec1 = ec.export({ type: 'sec1', format: 'pem' }).toString();
    expect(sec1).toContain('-----BEGIN EC PRIVATE KEY-----');
    // `openssl ecparam -genkey` without -noout writes the curve first; the official script does that.
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    const pub = crypto.createPublicKey(ec);
    for (const pem of [sec1, params + sec1, sec1.replace(/\n/g, '\r\n')]) {
      const k = parsePrivateKeyPem(pem);
      expect(k.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(verifyDeviceId(pub, PID, 'B', signDeviceId(k, PID, 'B'))).toBe(true);
    }
  });

  it('rejects an RSA key and a secp384r1 / secp256k1 key with KEY_NOT_P256', () => {
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const p384 = crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    const k1 = crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey;
    const ed = crypto.generateKeyPairSync('ed25519').privateKey;
    expect(codeOf(() => parsePrivateKeyPem(rsa.export({ type: 'pkcs8', format: 'pem' }).toString()))).toBe('KEY_NOT_P256');
    expect(codeOf(() => parsePrivateKeyPem(rsa.export({ type: 'pkcs1', format: 'pem' }).toString()))).toBe('KEY_NOT_P256');
    expect(codeOf(() => parsePrivateKeyPem(p384.export({ type: 'sec1', format: 'pem' }).toString()))).toBe('KEY_NOT_P256');
    expect(codeOf(() => parsePrivateKeyPem(p384.export({ type: 'pkcs8', format: 'pem' }).toString()))).toBe('KEY_NOT_P256');
    expect(codeOf(() => parsePrivateKeyPem(k1.export({ type: 'sec1', format: 'pem' }).toString()))).toBe('KEY_NOT_P256');
    expect(codeOf(() => parsePrivateKeyPem(ed.export({ type: 'pkcs8', format: 'pem' }).toString()))).toBe('KEY_NOT_P256');
  });

  it('rejects garbage, a public key and a truncated PEM with KEY_BAD_PEM', () => {
    const pem = ec.export({ type: 'pkcs8', format: 'pem' }).toString();
    const lines = pem.trim().split('\n');
    const truncated = [lines[0], lines[1].slice(0, 20), lines[lines.length - 1]].join('\n');
    for (const bad of ['', 'garbage', '-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n', truncated, publicKeyPem(pair.publicKey)]) {
      expect(codeOf(() => parsePrivateKeyPem(bad)), bad.slice(0, 40)).toBe('KEY_BAD_PEM');
    }
  });

  it('rejects an encrypted PKCS#8 key (no passphrase is asked for) with KEY_BAD_PEM', () => {
    const enc = ec.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    expect(enc).toContain('ENCRYPTED PRIVATE KEY');
    expect(codeOf(() => parsePrivateKeyPem(enc))).toBe('KEY_BAD_PEM');
  });
});

describe('parsePublicKeyPem', () => {
  it('accepts SPKI P-256 and rejects other curves and garbage', () => {
    expect(parsePublicKeyPem(publicKeyPem(pair.publicKey)).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const p384 = crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
    expect(codeOf(() => parsePublicKeyPem(p384.export({ type: 'spki', format: 'pem' }).toString()))).toBe('KEY_NOT_P256');
    expect(codeOf(() => parsePublicKeyPem('nope'))).toBe('KEY_BAD_PEM');
  });
});
