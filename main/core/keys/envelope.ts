import crypto from 'node:crypto';
import { WxError } from '../errors/wx-error.js';
import { frame, unframe } from './sealer.js';

/**
 * Values sealed under the key store's data key: `WXS:env1:` + iv (12) + GCM tag (16) +
 * ciphertext, AES-256-GCM with the header as additional data. The data key is random, so a
 * fresh iv per value is all the uniqueness GCM needs; no key derivation per value.
 */
export const ENVELOPE_KIND = 'env1';
export const DATA_KEY_BYTES = 32;
const HEADER = Buffer.from(`WXS:${ENVELOPE_KIND}:`, 'ascii');

export const newDataKey = (): Buffer => crypto.randomBytes(DATA_KEY_BYTES);

export function sealWith(dataKey: Buffer, plain: Buffer): Buffer {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', dataKey, iv);
  c.setAAD(HEADER);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return frame(ENVELOPE_KIND, Buffer.concat([iv, c.getAuthTag(), ct]));
}

export function openWith(dataKey: Buffer, blob: Buffer): Buffer {
  const f = unframe(blob);
  if (!f || f.kind !== ENVELOPE_KIND || f.body.length < 28) throw new WxError('KEY_UNSEAL_FAILED', { product_id: '?' });
  const d = crypto.createDecipheriv('aes-256-gcm', dataKey, f.body.subarray(0, 12), { authTagLength: 16 });
  d.setAAD(HEADER);
  d.setAuthTag(f.body.subarray(12, 28));
  try {
    return Buffer.concat([d.update(f.body.subarray(28)), d.final()]);
  } catch {
    throw new WxError('KEY_UNSEAL_FAILED', { product_id: '?' });
  }
}

/**
 * A public fingerprint of the data key, kept beside the slots: a slot whose unwrapping gives
 * anything else (a keychain that decrypts to garbage, a slot from another store) is refused,
 * and a key held in memory is known to belong to this data dir's store.
 */
export const keyCheck = (dataKey: Buffer): string => crypto.createHmac('sha256', dataKey).update('wxprov key store check').digest('hex').slice(0, 32);
