import crypto from 'node:crypto';

/**
 * The factory server's certificate is self-signed, so a station trusts it by its fingerprint:
 * the SHA-256 of the certificate's DER bytes, nothing else (no CA, no host name). The one
 * parser for every place a fingerprint is typed or read (`wxprov fleet join --fingerprint`,
 * the app's setup, server.json), so all accept the same forms:
 *
 * - 64 hex digits, any case, optionally in colon-separated pairs (what `openssl x509
 *   -fingerprint -sha256` and browsers show: `AB:CD:…`);
 * - `sha256/<base64>` of the 32 bytes (the form HPKP and curl's --pinnedpubkey made familiar;
 *   base64url and missing padding accepted).
 *
 * A fingerprint is kept and compared as 64 lower-case hex digits, the form the server prints.
 */
export const FINGERPRINT_ALLOWED = '64 hex digits (colons between pairs allowed) or sha256/<base64>';

const HEX = /^[0-9a-f]{64}$/;
const PAIRS = /^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/;

/** The fingerprint as 64 lower-case hex digits, or undefined when the text is none of the accepted forms. */
export function parseFingerprint(text: string | undefined): string | undefined {
  const s = text?.trim() ?? '';
  const lower = s.toLowerCase();
  if (HEX.test(lower)) return lower;
  if (PAIRS.test(lower)) return lower.replace(/:/g, '');
  if (lower.startsWith('sha256/')) {
    const b64 = s.slice('sha256/'.length).replace(/-/g, '+').replace(/_/g, '/');
    // Strict: only base64 characters, padding only at the end; Buffer.from would skip junk.
    if (!/^[A-Za-z0-9+/]{43}=?$/.test(b64)) return undefined;
    const bytes = Buffer.from(b64, 'base64');
    return bytes.length === 32 ? bytes.toString('hex') : undefined;
  }
  return undefined;
}

/** SHA-256 of a certificate's DER bytes, as 64 lower-case hex digits. */
export const fingerprintOfDer = (der: Uint8Array): string => crypto.createHash('sha256').update(der).digest('hex');

/** The other forms, for people comparing by eye: `AB:CD:…` and `sha256/<base64>`. */
export function fingerprintForms(hex: string): { hex: string; colons: string; sha256: string } {
  const h = parseFingerprint(hex);
  if (!h) throw new TypeError('not a fingerprint');
  return { hex: h, colons: h.toUpperCase().match(/../g)!.join(':'), sha256: `sha256/${Buffer.from(h, 'hex').toString('base64')}` };
}

/** Whether two fingerprints, in any accepted forms, name the same certificate. */
export function sameFingerprint(a: string, b: string): boolean {
  const x = parseFingerprint(a);
  const y = parseFingerprint(b);
  return x !== undefined && x === y;
}
