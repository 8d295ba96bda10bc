import crypto from 'node:crypto';
import { WxError } from '../errors/wx-error.js';
import { frame, unframe, type Sealer } from './sealer.js';

/**
 * Headless sealing: scrypt(passphrase, salt) → AES-256-GCM. The salt is per blob, so two
 * sealed keys never share a derived key; GCM's tag makes a wrong passphrase a clean error
 * instead of garbage. N=2^15 costs ~50 ms per unseal, paid once per key per process.
 */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KIND = 'pass1';

export class PassphraseSealer implements Sealer {
  readonly kind = KIND;
  constructor(private readonly passphrase: string) {
    if (!passphrase) throw new WxError('KEY_PASSPHRASE_REQUIRED');
  }

  seal(plain: Buffer): Buffer {
    const salt = crypto.randomBytes(16);
    const iv = crypto.randomBytes(12);
    const key = crypto.scryptSync(this.passphrase, salt, 32, SCRYPT);
    const c = crypto.createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return frame(KIND, Buffer.concat([salt, iv, c.getAuthTag(), ct]));
  }

  unseal(sealed: Buffer): Buffer {
    const f = unframe(sealed);
    // A truncated body would otherwise reach createDecipheriv/setAuthTag as a short iv or tag
    // and escape as a raw TypeError (or be accepted as a truncated GCM tag).
    if (!f || f.kind !== KIND || f.body.length < 44) throw new WxError('KEY_UNSEAL_FAILED', { product_id: '?' });
    const salt = f.body.subarray(0, 16);
    const iv = f.body.subarray(16, 28);
    const tag = f.body.subarray(28, 44);
    const ct = f.body.subarray(44);
    const key = crypto.scryptSync(this.passphrase, salt, 32, SCRYPT);
    const d = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    d.setAuthTag(tag);
    try {
      return Buffer.concat([d.update(ct), d.final()]);
    } catch {
      throw new WxError('KEY_UNSEAL_FAILED', { product_id: '?' });
    }
  }
}
