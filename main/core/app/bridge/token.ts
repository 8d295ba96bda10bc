import crypto from 'node:crypto';

/** A fresh bridge token: 32 random bytes, base64url (43 characters). */
export const newToken = (): string => crypto.randomBytes(32).toString('base64url');

const digest = (s: string): Buffer => crypto.createHash('sha256').update(s, 'utf8').digest();

/**
 * Constant-time token comparison. Both sides are hashed first so that timingSafeEqual always
 * sees two 32-byte buffers: neither the content nor the length of the expected token leaks.
 */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 512) return false;
  return crypto.timingSafeEqual(digest(expected), digest(given));
}
