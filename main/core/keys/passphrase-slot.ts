import crypto from 'node:crypto';

/**
 * The data key wrapped under a passphrase: scrypt(passphrase, salt) → AES-256-GCM. The scrypt
 * cost and salt are stored with the slot, so a later version can raise the cost for new slots
 * and still open old ones. N=2^15 is the cost the per-key sealing had (~50 ms), now paid once
 * per unlock instead of once per key.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  salt: string;
}

const DEFAULT = { N: 1 << 15, r: 8, p: 1 } as const;
const AAD = Buffer.from('wxprov key slot: passphrase', 'ascii');

const derive = (passphrase: string, s: ScryptParams): Buffer =>
  crypto.scryptSync(passphrase.normalize('NFC'), Buffer.from(s.salt, 'base64'), 32, { N: s.N, r: s.r, p: s.p, maxmem: 256 * s.N * s.r });

export function wrapWithPassphrase(dataKey: Buffer, passphrase: string): { params: string; wrapped: Buffer } {
  const params: ScryptParams = { ...DEFAULT, salt: crypto.randomBytes(16).toString('base64') };
  const kek = derive(passphrase, params);
  try {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', kek, iv);
    c.setAAD(AAD);
    const ct = Buffer.concat([c.update(dataKey), c.final()]);
    return { params: JSON.stringify(params), wrapped: Buffer.concat([iv, c.getAuthTag(), ct]) };
  } finally {
    kek.fill(0);
  }
}

/** The data key, or undefined when this passphrase does not open this slot. */
export function unwrapWithPassphrase(params: string, wrapped: Buffer, passphrase: string): Buffer | undefined {
  let s: ScryptParams;
  try {
    s = JSON.parse(params) as ScryptParams;
  } catch {
    return undefined;
  }
  if (wrapped.length < 28 || !Number.isInteger(s.N) || !Number.isInteger(s.r) || !Number.isInteger(s.p) || typeof s.salt !== 'string') return undefined;
  const kek = derive(passphrase, s);
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, 12), { authTagLength: 16 });
    d.setAAD(AAD);
    d.setAuthTag(wrapped.subarray(12, 28));
    return Buffer.concat([d.update(wrapped.subarray(28)), d.final()]);
  } catch {
    return undefined;
  } finally {
    kek.fill(0);
  }
}
