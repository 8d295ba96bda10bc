import { WxError } from '../../errors/wx-error.js';
import { generateKeyPair, privateKeyDer, publicKeyPem } from '../../keys/ecdsa.js';
import type { KeyResult } from '../../keys/key-service.js';
import type { KeyInfo } from '../../keys/key-store.js';
import { audit } from '../audit.js';
import type { Queryable } from '../db/server-db.js';
import { productStore } from '../products/product-store.js';
import type { ServerServiceDeps } from '../products/product-service.js';
import type { ServerKeyring } from './keyring.js';

/** A product key as the server answers it: the station's key view, the same keys (never the sealed private half). */
export type ServerKeyInfo = KeyInfo;

const INFO = 'product_id, key_version, public_key_pem, origin, state, created_at, created_by';

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

  constructor(private readonly d: ServerServiceDeps & { keyring: ServerKeyring }) {}

  async list(productId?: number): Promise<ServerKeyInfo[]> {
    const where = productId === undefined ? '' : 'WHERE product_id = $1';
    return (await this.d.db.query<ServerKeyInfo>(`SELECT ${INFO} FROM product_keys ${where} ORDER BY product_id, key_version`, productId === undefined ? [] : [productId])).rows;
  }

  create(productId: number, actor: string): Promise<KeyResult> {
    const before = this.running.get(productId) ?? Promise.resolve();
    const run = before.catch(() => {}).then(() => this.createNow(productId, actor));
    this.running.set(productId, run);
    void run.finally(() => {
      if (this.running.get(productId) === run) this.running.delete(productId);
    }).catch(() => {});
    return run;
  }

  private async createNow(productId: number, actor: string): Promise<KeyResult> {
    // Both refusals come before a key exists: no passphrase, no platform credentials.
    if (!this.d.keyring.unlocked) throw new WxError('KEY_PASSPHRASE_REQUIRED');
    const sealer = this.d.keyring.sealer();
    const client = this.d.wechat();
    let waiting = await pending(this.d.db, productId);
    if (!waiting) {
      const pair = generateKeyPair();
      const der = privateKeyDer(pair.privateKey);
      let sealed: Buffer;
      try {
        sealed = sealer.seal(der);
      } finally {
        der.fill(0);
      }
      const pem = publicKeyPem(pair.publicKey);
      const at = this.d.now().toISOString();
      waiting = await this.d.db.transaction(async (tx) => {
        await productStore.upsertRecorded(tx, productId, {}, at, actor);
        const r = await tx.query<{ id: number }>(
          `INSERT INTO product_keys (product_id, public_key_pem, sealed_private_key, origin, state, created_at, created_by)
           VALUES ($1, $2, $3, 'created', 'registering', $4::timestamptz, $5) RETURNING id`,
          [productId, pem, sealed, at, actor],
        );
        await audit(tx, { at, actor, action: 'key.generated', product_id: productId });
        return { id: r.rows[0].id, public_key_pem: pem };
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
    return { product_id: productId, key_version, public_key_pem: waiting.public_key_pem };
  }
}
