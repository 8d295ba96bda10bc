import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintForms, fingerprintOfDer, parseFingerprint, sameFingerprint } from '../../main/core/fleet/fingerprint.js';

// The one fingerprint parser (server output, `fleet join --fingerprint`, the app's setup).

const bytes = crypto.createHash('sha256').update('a certificate').digest();
const hex = bytes.toString('hex');

describe('parseFingerprint', () => {
  it('takes 64 hex digits in any case, with or without colons, and sha256/<base64>', () => {
    const colons = hex.toUpperCase().match(/../g)!.join(':');
    const b64 = bytes.toString('base64');
    for (const form of [hex, hex.toUpperCase(), colons, colons.toLowerCase(), `  ${hex}\n`, `sha256/${b64}`, `SHA256/${b64}`, `sha256/${b64.replace(/=$/, '')}`, `sha256/${bytes.toString('base64url')}`]) {
      expect(parseFingerprint(form), form).toBe(hex);
    }
  });

  it('refuses what is none of them: short, long, other digits, colons in the wrong places, junk in the base64', () => {
    for (const bad of ['', hex.slice(2), `${hex}00`, hex.replace(/.$/, 'g'), `${hex.slice(0, 3)}:${hex.slice(3)}`, 'sha256/', `sha256/${bytes.toString('base64').slice(1)}`, `sha256/${'!'.repeat(43)}=`, `sha1/${bytes.toString('base64')}`, undefined]) {
      expect(parseFingerprint(bad), String(bad)).toBeUndefined();
    }
  });

  it('computes the SHA-256 of a DER certificate, gives the other forms back, and compares any two forms', () => {
    const der = Buffer.from('not really DER, but bytes');
    expect(fingerprintOfDer(der)).toBe(crypto.createHash('sha256').update(der).digest('hex'));
    const f = fingerprintForms(hex);
    expect(f.hex).toBe(hex);
    expect(parseFingerprint(f.colons)).toBe(hex);
    expect(parseFingerprint(f.sha256)).toBe(hex);
    expect(sameFingerprint(f.colons, f.sha256)).toBe(true);
    expect(sameFingerprint(hex, crypto.randomBytes(32).toString('hex'))).toBe(false);
    expect(sameFingerprint('junk', 'junk')).toBe(false);
  });
});
