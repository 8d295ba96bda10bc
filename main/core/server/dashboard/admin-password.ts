import crypto from 'node:crypto';
import type { Logger } from '../../log/logger.js';
import { redactor } from '../../log/redact.js';
import type { Queryable } from '../db/server-db.js';
import { newEnrolmentCode } from '../stations/secrets.js';

/** The settings row the dashboard's administrator password is kept in (its scrypt hash only). */
export const ADMIN_PASSWORD_SETTING = 'admin_password';

/** What the store keeps: scrypt's cost and salt with the hash, so a later version can raise the cost and still check old ones. */
export interface PasswordRecord {
  v: 1;
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

/**
 * scrypt at N=2^15 (~50-100 ms): a person logs in a few times a day, a guesser pays this per
 * try on top of the login throttle. The salt is random per password.
 */
const COST = { N: 1 << 15, r: 8, p: 1 } as const;

const derive = (password: string, salt: Buffer, c: { N: number; r: number; p: number }): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    crypto.scrypt(password.normalize('NFC'), salt, 32, { ...c, maxmem: 256 * c.N * c.r }, (e, key) => (e ? reject(e) : resolve(key))),
  );

export async function hashPassword(password: string): Promise<PasswordRecord> {
  const salt = crypto.randomBytes(16);
  const hash = await derive(password, salt, COST);
  return { v: 1, ...COST, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

/** Whether `password` is the one `rec` was made from; compared in constant time. A malformed record matches nothing. */
export async function verifyPassword(rec: PasswordRecord, password: string): Promise<boolean> {
  if (rec?.v !== 1 || ![rec.N, rec.r, rec.p].every(Number.isSafeInteger) || typeof rec.salt !== 'string' || typeof rec.hash !== 'string') return false;
  const want = Buffer.from(rec.hash, 'base64');
  if (want.length !== 32) return false;
  const got = await derive(password, Buffer.from(rec.salt, 'base64'), rec);
  return crypto.timingSafeEqual(got, want);
}

export async function readPasswordRecord(q: Queryable): Promise<PasswordRecord | undefined> {
  return (await q.query<{ value: PasswordRecord }>('SELECT value FROM settings WHERE key = $1', [ADMIN_PASSWORD_SETTING])).rows[0]?.value;
}

export interface EnsurePasswordOptions {
  /** WXPROV_ADMIN_PASSWORD: when given, it is the password (stored hashed; a different stored one is replaced). */
  given?: string;
  now: () => Date;
  log: Logger;
  /** Shows a generated password to the person who started the server: called once, the first time only. */
  announce(password: string): void;
  /** For tests: the generator of a new password. */
  generate?: () => string;
}

/**
 * The dashboard's password at start, without ever asking: WXPROV_ADMIN_PASSWORD when it is set
 * (hashed into the store if the stored one is another), else the stored one, else a new random
 * one (16 characters of the enrolment codes' alphabet, 80 bits), stored hashed and handed to
 * `announce` — which the CLI prints once to stderr. Only the server that inserts the row
 * announces: two servers starting on one database at once make one password, shown once.
 * The clear password is registered with the log redactor and never logged.
 */
export async function ensureAdminPassword(db: Queryable, o: EnsurePasswordOptions): Promise<'environment' | 'stored' | 'generated'> {
  const at = o.now().toISOString();
  const stored = await readPasswordRecord(db);
  if (o.given !== undefined) {
    redactor.add(o.given);
    if (stored && (await verifyPassword(stored, o.given))) return 'environment';
    await db.query(
      `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2::jsonb, $3::timestamptz, 'environment')
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [ADMIN_PASSWORD_SETTING, JSON.stringify(await hashPassword(o.given)), at],
    );
    o.log.info('dashboard.password_set', { from: 'environment' });
    return 'environment';
  }
  if (stored) return 'stored';
  const password = (o.generate ?? newEnrolmentCode)();
  redactor.add(password);
  const r = await db.query(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2::jsonb, $3::timestamptz, 'generated') ON CONFLICT (key) DO NOTHING`,
    [ADMIN_PASSWORD_SETTING, JSON.stringify(await hashPassword(password)), at],
  );
  if (r.rowCount === 0) return 'stored';
  o.log.info('dashboard.password_set', { from: 'generated' });
  o.announce(password);
  return 'generated';
}
