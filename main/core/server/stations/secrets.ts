import crypto from 'node:crypto';

/**
 * The two secrets a station is given. The enrolment code is typed by a person (into `wxprov
 * fleet join` or the app's setup), so it is 16 characters of Crockford's base32 (no I, L, O,
 * U: nothing to misread) in groups of four, 80 random bits: with one use and an expiry, enough.
 * Case, spaces and dashes do not matter when it is typed back. The credential is only ever
 * handled by programs: 32 random bytes, base64url. The server keeps the SHA-256 of each.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newEnrolmentCode(random: (n: number) => Buffer = crypto.randomBytes): string {
  const bytes = random(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out.match(/.{4}/g)!.join('-');
}

/** The code as typed, in its one canonical form (what is hashed), or undefined when it cannot be one. */
export function normaliseEnrolmentCode(typed: string): string | undefined {
  const s = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (!/^[0-9A-HJKMNP-TV-Z]{16}$/.test(s)) return undefined;
  return s.match(/.{4}/g)!.join('-');
}

export const newCredential = (random: (n: number) => Buffer = crypto.randomBytes): string => random(32).toString('base64url');
