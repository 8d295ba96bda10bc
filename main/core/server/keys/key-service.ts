import { WxError } from '../../errors/wx-error.js';
import { generateKeyPair, privateKeyDer, publicKeyPem } from '../../keys/ecdsa.js';
import type { KeyResult } from '../../keys/key-service.js';
import { keyInfoView, type KeyInfo } from '../../keys/key-store.js';
import { audit } from '../audit.js';
import type { Queryable } from '../db/server-db.js';
import { productStore } from '../products/product-store.js';
import type { ServerServiceDeps } from '../products/product-service.js';
import type { ServerKeyring } from './keyring.js';
import { TokenSession } from '../../keys/pkcs11/token.js';
import type { TokenChoice } from '../../keys/token-keys.js';

/** A product key as the server answers it: the station's key view, the same keys (never the sealed private half). */
export type ServerKeyInfo = KeyInfo;

const INFO = 'product_id, key_version, public_key_pem, origin, state, created_at, created_by, key_store, pkcs11_module, pkcs11_token_label, pkcs11_token_serial, pkcs11_key_id';

async function pending(q: Queryable, productId: number): Promise<{ id: number; public_key_pem: string } | undefined> {
  return (await q.query<{ id: number; public_key_pem: string }>("SELECT id, public_key_pem FROM product_keys WHERE product_id = $1 AND state = 'registering'", [productId])).rows[0];
}

/**
 * Product keys on the factory server, where they stay: generated here, sealed under the
 * server's keyring before anything else happens, registered with registerpubkey, and used
 * only by the server (blocks and online signatures, later stages). As on a station, the
 * sealed key is stored `registering` *before* registerpubkey, so a lost answer never orphans
 * a registered key: the next request resubmits the same public key. One key per product may
 * be registering (a unique index), and one request per product runs at a time in this process.
 */
export class ServerKeys {
  private readonly running = new Map<number, Promise<unknown>>();

  constructor(private readonly d: ServerServiceDeps & { keyring: ServerKeyring; pkcs11Pin?: string }) {}

  async list(productId?: number): Promise<ServerKeyInfo[]> {
    const where = productId === undefined ? '' : 'WHERE product_id = $1';
    return (await this.d.db.query<ServerKeyInfo>(`SELECT ${INFO} FROM product_keys ${where} ORDER BY product_id, key_version`, productId === undefined ? [] : [productId])).rows.map(keyInfoView);
  }

  /** A new key: sealed under the keyring, or (`token`) made inside a hardware token, its PIN from WXPROV_PKCS11_PIN. */
  create(productId: number, actor: string, token?: TokenChoice): Promise<KeyResult> {
    const before = this.running.get(productId) ?? Promise.resolve();
    const run = before.catch(() => {}).then(() => this.createNow(productId, actor, token));
    this.running.set(productId, run);
    void run.finally(() => {
      if (this.running.get(productId) === run) this.running.delete(productId);
    }).catch(() => {});
    return run;
  }

  /** A pair made here and sealed under the keyring before anything else happens. */
  private sealed(): MadeKey {
    const pair = generateKeyPair();
    const der = privateKeyDer(pair.privateKey);
    try {
      return { pem: publicKeyPem(pair.publicKey), sealed: this.d.keyring.sealer().seal(der) };
    } finally {
      der.fill(0);
    }
  }

  /** A pair made inside the token (sensitive, never extractable): the row records where it is, not what. */
  private inToken(productId: number, token: TokenChoice): MadeKey {
    const s = TokenSession.open(token, this.d.pkcs11Pin, { keygen: true });
    try {
      const k = s.generateP256(`wxprov product ${productId}`);
      return { pem: k.public_key_pem, sealed: null, token: { module: token.module, label: s.label, serial: s.serial || null, key_id: k.key_id } };
    } finally {
      s.close();
    }
  }

  private async createNow(productId: number, actor: string, token?: TokenChoice): Promise<KeyResult> {
    // Both refusals come before a key exists: no passphrase (a sealed key needs the keyring), no platform credentials.
    if (!token && !this.d.keyring.unlocked) throw new WxError('KEY_PASSPHRASE_REQUIRED');
    const client = this.d.wechat();
    let waiting = await pending(this.d.db, productId);
    if (!waiting) {
      const made = token ? this.inToken(productId, token) : this.sealed();
      const at = this.d.now().toISOString();
      waiting = await this.d.db.transaction(async (tx) => {
        await productStore.upsertRecorded(tx, productId, {}, at, actor);
        const r = await tx.query<{ id: number }>(
          `INSERT INTO product_keys (product_id, public_key_pem, sealed_private_key, origin, state, created_at, created_by,
             key_store, pkcs11_module, pkcs11_token_label, pkcs11_token_serial, pkcs11_key_id)
           VALUES ($1, $2, $3, 'created', 'registering', $4::timestamptz, $5, $6, $7, $8, $9, $10) RETURNING id`,
          [productId, made.pem, made.sealed, at, actor, made.token ? 'pkcs11' : 'sealed', made.token?.module ?? null, made.token?.label ?? null, made.token?.serial ?? null, made.token?.key_id ?? null],
        );
        await audit(tx, { at, actor, action: 'key.generated', product_id: productId, ...(made.token ? { detail: { key_store: 'pkcs11', token: made.token.label } } : {}) });
        return { id: r.rows[0].id, public_key_pem: made.pem };
      });
    }
    const { key_version } = await client.registerPubkey(productId, waiting.public_key_pem);
    const at = this.d.now().toISOString();
    await this.d.db.transaction(async (tx) => {
      const taken = await tx.query('SELECT 1 FROM product_keys WHERE product_id = $1 AND key_version = $2', [productId, key_version]);
      if (taken.rowCount > 0) throw new WxError('KEY_VERSION_EXISTS', { product_id: productId, key_version });
      await tx.query("UPDATE product_keys SET key_version = $2, state = 'active' WHERE id = $1", [waiting.id, key_version]);
      await audit(tx, { at, actor, action: 'key.create', product_id: productId, detail: { key_version } });
    });
    this.d.log.info('key.create', { product_id: productId, key_version, by: actor });
    // What kind of key it is shows in key list; the answer stays the three keys a sealed one has always had.
    return { product_id: productId, key_version, public_key_pem: waiting.public_key_pem };
  }
}

interface MadeKey {
  pem: string;
  sealed: Buffer | null;
  token?: { module: string; label: string; serial: string | null; key_id: string };
}
