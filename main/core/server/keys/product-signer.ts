import type { KeyObject } from 'node:crypto';
import { WxError, isWxError } from '../../errors/wx-error.js';
import { privateKeyFromDer, signDeviceId } from '../../keys/ecdsa.js';
import { signedMessage } from '../../keys/ecdsa.js';
import { TokenKey } from '../../keys/pkcs11/token-key.js';
import { keyRef } from '../../keys/token-keys.js';
import type { Queryable } from '../db/server-db.js';
import type { ServerKeyring } from './keyring.js';

/** A product's current key, ready to sign device ids (ecdsa.ts: `<product_id>_<device_id>`, DER, base64 on one line). */
export interface ProductKey {
  product_id: number;
  key_version: number;
  sign(deviceId: string): string;
}

/**
 * The server's signing keys: a product signs with its newest active key (the one stations get
 * last in their downlink). Each key is unsealed once, on first use, and kept as a KeyObject in
 * this process only (its DER zeroed at once); `clear()` forgets them all (at stop). Signing runs
 * in this thread: a block of 1,000 ids takes about 30 ms here, less than a worker pool costs to
 * start, and the server signs a block only every few hundred units per station.
 */
interface KeyRowOnServer {
  key_version: number;
  sealed_private_key: Buffer | null;
  key_store: 'sealed' | 'pkcs11';
  pkcs11_module: string | null;
  pkcs11_token_label: string | null;
  pkcs11_token_serial: string | null;
  pkcs11_key_id: string | null;
}

export class ProductSigners {
  private readonly keys = new Map<string, KeyObject>();
  /** Token keys, a session each, kept open (keys/pkcs11/token-key.ts). */
  private readonly tokens = new Map<string, TokenKey>();

  constructor(
    private readonly keyring: ServerKeyring,
    /** WXPROV_PKCS11_PIN, for keys in a hardware token. */
    private readonly pkcs11Pin?: string,
  ) {}

  /** The newest active key of a product: KEY_NOT_FOUND without one, KEY_PASSPHRASE_REQUIRED while the keyring is locked. */
  async current(q: Queryable, productId: number): Promise<ProductKey> {
    const row = (
      await q.query<KeyRowOnServer>(
        `SELECT key_version, sealed_private_key, key_store, pkcs11_module, pkcs11_token_label, pkcs11_token_serial, pkcs11_key_id
         FROM product_keys WHERE product_id = $1 AND state = 'active' ORDER BY key_version DESC LIMIT 1`,
        [productId],
      )
    ).rows[0];
    if (!row) throw new WxError('KEY_NOT_FOUND', { product_id: productId, version: '' });
    if (row.key_store === 'pkcs11') return { product_id: productId, key_version: row.key_version, sign: this.inToken(productId, row) };
    const key = this.unsealed(productId, row.key_version, row.sealed_private_key!);
    return { product_id: productId, key_version: row.key_version, sign: (deviceId) => signDeviceId(key, productId, deviceId) };
  }

  /** Signs in the token (C_Sign in this thread: a block of 1,000 ids is about 0.1 s there); the session is opened once and kept. */
  private inToken(productId: number, row: KeyRowOnServer): (deviceId: string) => string {
    const name = `${productId}/${row.key_version}`;
    let key = this.tokens.get(name);
    if (!key) this.tokens.set(name, (key = new TokenKey(keyRef(row), () => this.pkcs11Pin)));
    const k = key.open();
    return (deviceId) => k.sign(signedMessage(productId, deviceId));
  }

  private unsealed(productId: number, keyVersion: number, sealed: Buffer): KeyObject {
    const name = `${productId}/${keyVersion}`;
    const known = this.keys.get(name);
    if (known) return known;
    if (!this.keyring.unlocked) throw new WxError('KEY_PASSPHRASE_REQUIRED');
    let der: Buffer | undefined;
    try {
      der = this.keyring.sealer().unseal(sealed);
      const key = privateKeyFromDer(der);
      this.keys.set(name, key);
      return key;
    } catch (e) {
      if (isWxError(e) && e.code === 'KEY_PASSPHRASE_REQUIRED') throw e;
      throw new WxError('KEY_UNSEAL_FAILED', { product_id: productId }, { cause: e });
    } finally {
      der?.fill(0);
    }
  }

  clear(): void {
    this.keys.clear();
    for (const t of this.tokens.values()) t.close();
    this.tokens.clear();
  }
}
