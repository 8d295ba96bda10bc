/**
 * Interop with the real openssl CLI, which is what the platform's own script and its
 * documented check (`openssl dgst -sha256 -verify pub.pem -signature sig.der msg.txt`) use.
 * Needs `openssl` on PATH (OpenSSL 1.1 or 3.x).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WxError } from '../../main/core/errors/wx-error.js';
import {
  decodeSignature,
  generateKeyPair,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  publicKeyPem,
  signDeviceId,
  verifyDeviceId,
} from '../../main/core/keys/ecdsa.js';

const PID = 2001234;
let dir = '';

function openssl(args: string[], input?: string | Buffer): Buffer {
  try {
    return execFileSync('openssl', args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error('the openssl CLI is not on PATH; this interop test needs it');
    throw e;
  }
}

/** `openssl dgst -sha256 -verify`: true on "Verified OK", false on "Verification failure" (exit 1). */
function opensslVerifies(pubFile: string, sigDer: Buffer, message: string | Buffer): boolean {
  fs.writeFileSync(path.join(dir, 'sig.der'), sigDer);
  fs.writeFileSync(path.join(dir, 'msg.txt'), message);
  try {
    const out = openssl(['dgst', '-sha256', '-verify', pubFile, '-signature', 'sig.der', 'msg.txt']).toString();
    expect(out.trim()).toBe('Verified OK');
    return true;
  } catch (e) {
    const err = e as { status?: number; stdout?: Buffer };
    if (err.status === 1 && /Verification failure/i.test(err.stdout?.toString() ?? '')) return false;
    throw e;
  }
}

const write = (name: string, data: string | Buffer) => fs.writeFileSync(path.join(dir, name), data);
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-openssl-'));
  expect(openssl(['version']).toString()).toMatch(/^OpenSSL (1\.1|3\.)/);
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('our signatures, checked by openssl dgst -verify', () => {
  const pair = generateKeyPair();
  beforeAll(() => write('ours.pub.pem', publicKeyPem(pair.publicKey)));

  it('verifies for several device ids over exactly <product_id>_<device_id>', () => {
    for (const id of ['SN0001', 'imei-861234567890123', 'A_b-C', 'x'.repeat(128)]) {
      const sig = signDeviceId(pair.privateKey, PID, id);
      expect(opensslVerifies('ours.pub.pem', Buffer.from(sig, 'base64'), `${PID}_${id}`), id).toBe(true);
    }
  });

  it('fails for a tampered message: another id, another product, a trailing newline', () => {
    const sig = Buffer.from(signDeviceId(pair.privateKey, PID, 'SN0001'), 'base64');
    expect(opensslVerifies('ours.pub.pem', sig, `${PID}_SN0002`)).toBe(false);
    expect(opensslVerifies('ours.pub.pem', sig, `${PID + 1}_SN0001`)).toBe(false);
    expect(opensslVerifies('ours.pub.pem', sig, `${PID}_SN0001\n`)).toBe(false);
    expect(opensslVerifies('ours.pub.pem', sig, 'SN0001')).toBe(false);
  });

  it('verifies a rare short (<70 byte) DER signature as well', () => {
    let sig = '';
    for (let i = 0; i < 20_000 && !sig; i++) {
      const s = signDeviceId(pair.privateKey, PID, 'SHORT-1');
      if (Buffer.from(s, 'base64').length < 70) sig = s;
    }
    expect(sig).not.toBe('');
    expect(opensslVerifies('ours.pub.pem', Buffer.from(sig, 'base64'), `${PID}_SHORT-1`)).toBe(true);
  });

  it('writes a public key openssl reads as a P-256 (prime256v1) key', () => {
    const text = openssl(['pkey', '-pubin', '-in', 'ours.pub.pem', '-noout', '-text']).toString();
    expect(text).toMatch(/ASN1 OID: prime256v1/);
    expect(text).toMatch(/NIST CURVE: P-256/);
  });
});

describe('keys made by openssl, used by us', () => {
  beforeAll(() => {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'k.pem']);
    openssl(['pkcs8', '-topk8', '-nocrypt', '-in', 'k.pem', '-out', 'k8.pem']);
    openssl(['ec', '-in', 'k.pem', '-pubout', '-out', 'k.pub.pem']);
    openssl(['pkey', '-in', 'k8.pem', '-pubout', '-out', 'k8.pub.pem']);
    // As the platform's script runs it: without -noout, so the file starts with EC PARAMETERS.
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-out', 'kp.pem']);
    openssl(['pkey', '-in', 'kp.pem', '-pubout', '-out', 'kp.pub.pem']);
  });

  it('writes the PEM forms we expect to be handed', () => {
    expect(read('k.pem')).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(read('k8.pem')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(read('kp.pem')).toMatch(/^-----BEGIN EC PARAMETERS-----[\s\S]+-----BEGIN EC PRIVATE KEY-----/);
  });

  for (const [keyFile, pubFile, form] of [
    ['k.pem', 'k.pub.pem', 'SEC1 (ecparam -noout)'],
    ['k8.pem', 'k8.pub.pem', 'PKCS#8 (pkcs8 -topk8 -nocrypt)'],
    ['kp.pem', 'kp.pub.pem', 'SEC1 with EC PARAMETERS (ecparam without -noout)'],
  ] as const) {
    it(`parses ${form}, signs, and both we and openssl verify`, () => {
      const priv = parsePrivateKeyPem(read(keyFile));
      // The public key we would register is the one openssl derives, byte for byte.
      expect(publicKeyPem(priv)).toBe(read(pubFile));
      const pub = parsePublicKeyPem(read(pubFile));
      const sig = signDeviceId(priv, PID, 'DEV-42');
      expect(verifyDeviceId(pub, PID, 'DEV-42', sig)).toBe(true);
      expect(verifyDeviceId(pub, PID, 'DEV-43', sig)).toBe(false);
      expect(opensslVerifies(pubFile, Buffer.from(sig, 'base64'), `${PID}_DEV-42`)).toBe(true);
      expect(opensslVerifies(pubFile, Buffer.from(sig, 'base64'), `${PID}_DEV-43`)).toBe(false);
    });
  }

  it('refuses openssl RSA and secp384r1 keys with KEY_NOT_P256', () => {
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', 'rsa.pem']);
    openssl(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'p384.pem']);
    for (const f of ['rsa.pem', 'p384.pem']) {
      let code = 'no error';
      try {
        parsePrivateKeyPem(read(f));
      } catch (e) {
        code = e instanceof WxError ? e.code : String(e);
      }
      expect(code, f).toBe('KEY_NOT_P256');
    }
  });
});

describe("openssl's signatures, checked by us", () => {
  beforeAll(() => {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sk.pem']);
    openssl(['pkey', '-in', 'sk.pem', '-pubout', '-out', 'sk.pub.pem']);
  });

  it('accepts `openssl dgst -sha256 -sign` base64-encoded without wrapping', () => {
    const pub = parsePublicKeyPem(read('sk.pub.pem'));
    for (const id of ['SN0001', 'dev_7-x', '861234567890123']) {
      write('msg.txt', `${PID}_${id}`);
      openssl(['dgst', '-sha256', '-sign', 'sk.pem', '-out', 'osig.der', 'msg.txt']);
      const b64 = openssl(['base64', '-A', '-in', 'osig.der']).toString().trim();
      expect(b64).not.toMatch(/\s/);
      expect(decodeSignature(b64).equals(fs.readFileSync(path.join(dir, 'osig.der')))).toBe(true);
      expect(verifyDeviceId(pub, PID, id, b64), id).toBe(true);
      expect(verifyDeviceId(pub, PID, `${id}0`, b64)).toBe(false);
      expect(verifyDeviceId(pub, PID + 1, id, b64)).toBe(false);
    }
  });

  it("refuses openssl base64's default (wrapped, newline-terminated) output as SIGNATURE_MALFORMED", () => {
    write('msg.txt', `${PID}_SN0001`);
    openssl(['dgst', '-sha256', '-sign', 'sk.pem', '-out', 'osig.der', 'msg.txt']);
    const wrapped = openssl(['base64', '-in', 'osig.der']).toString();
    expect(wrapped).toMatch(/\n/);
    let code = 'no error';
    try {
      verifyDeviceId(parsePublicKeyPem(read('sk.pub.pem')), PID, 'SN0001', wrapped);
    } catch (e) {
      code = e instanceof WxError ? e.code : String(e);
    }
    expect(code).toBe('SIGNATURE_MALFORMED');
    // Joined onto one line, the same signature is fine.
    expect(verifyDeviceId(parsePublicKeyPem(read('sk.pub.pem')), PID, 'SN0001', wrapped.replace(/\n/g, ''))).toBe(true);
  });
});
