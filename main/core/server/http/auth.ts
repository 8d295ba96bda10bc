import crypto from 'node:crypto';
import os from 'node:os';
import { WxError } from '../../errors/wx-error.js';

/** The bearer token of a request, or undefined. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/** SHA-256 hex of a secret: what the store keeps of credentials and enrolment codes (they are random, so no salt or stretching is needed). */
export const secretHash = (secret: string): string => crypto.createHash('sha256').update(secret, 'utf8').digest('hex');

/** Compares two secrets in constant time (their hashes, so lengths never leak either). */
export function sameSecret(a: string, b: string): boolean {
  return crypto.timingSafeEqual(Buffer.from(secretHash(a), 'hex'), Buffer.from(secretHash(b), 'hex'));
}

const bare = (addr: string) => addr.replace(/^::ffff:/i, '');

/** This computer's own addresses (loopback included): where the admin commands connect from. */
export function localAddresses(interfaces = os.networkInterfaces()): Set<string> {
  const out = new Set(['127.0.0.1', '::1']);
  for (const list of Object.values(interfaces)) for (const a of list ?? []) out.add(bare(a.address));
  return out;
}

/**
 * The admin token is for the admin commands, which run on the server's own computer (they read
 * server.json from its home): presented from any other address it is refused, so a token
 * copied off the machine is no use on the network. The later dashboard has its own login.
 */
export function checkAdmin(header: string | undefined, token: string, remote: string, local: () => Set<string> = localAddresses): void {
  const given = bearer(header);
  if (!given || !sameSecret(given, token)) throw new WxError('FLEET_UNAUTHORIZED');
  const from = bare(remote);
  if (!from.startsWith('127.') && !local().has(from)) throw new WxError('FLEET_ADMIN_LOCAL_ONLY', { remote: from });
}
