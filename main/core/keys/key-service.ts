import type { KeyObject } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { WxError } from '../errors/wx-error.js';
import { DEVICE_ID_RE, deviceIdProblem } from '../ids/validate.js';
import { ProductService } from '../products/product-service.js';
import {
  generateKeyPair,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  privateKeyDer,
  privateKeyFromDer,
  publicKeyPem,
  signDeviceId,
  verifyDeviceId,
} from './ecdsa.js';
import { KeyStore, type KeyRow } from './key-store.js';
import { SignPool, type SignPoolOptions } from './sign-pool.js';

export interface KeyResult {
  product_id: number;
  key_version: number;
  public_key_pem: string;
}

/** A product's key ready to sign with: unsealed once, held in memory only. */
export interface Signer {
  product_id: number;
  key_version: number;
  sign(deviceId: string): string;
}

/**
 * A product's key behind a pool of signing threads, for files of ids (batchSign). Holds
 * worker threads until close(): use KeyService.withBatchSigner, or close it in a finally.
 */
export interface BatchSigner {
  product_id: number;
  key_version: number;
  /** Worker threads signing. */
  pool_size: number;
  /** Signatures for valid device ids, in order; rejects (INPUT_BAD_DEVICE_ID) if any id is invalid. */
  signChunk(ids: string[]): Promise<string[]>;
  /** Terminates the workers; idempotent. Chunks still in flight reject. */
  close(): Promise<void>;
  readonly closed: boolean;
  /** Workers still running: 0 once close() has resolved. */
  readonly liveWorkers: number;
}

const ASK_CODES: ReadonlySet<string> = new Set(['KEY_PASSPHRASE_REQUIRED', 'KEYSTORE_LOCKED', 'KEYSTORE_NOT_SET_UP']);

export class KeyService {
  private readonly keys: KeyStore;
  private readonly products: ProductService;

  constructor(private readonly ctx: CoreContext) {
    this.keys = new KeyStore(ctx.db);
    this.products = new ProductService(ctx);
  }

  /**
   * Generate a P-256 pair and register its public half. The sealed key is stored *before*
   * registerpubkey, so an answer lost on the way never orphans a registered key: the next
   * run resubmits the same public key instead of minting another.
   */
  async create(productId: number): Promise<KeyResult> {
    const sealer = this.ctx.sealer();
    const client = this.ctx.wechat();
    let pending = this.keys.pendingRegistration(productId);
    if (!pending) {
      const pair = generateKeyPair();
      const row: KeyRow = {
        product_id: productId,
        key_version: null,
        public_key_pem: publicKeyPem(pair.publicKey),
        sealed_private_key: sealer.seal(privateKeyDer(pair.privateKey)),
        origin: 'created',
        state: 'registering',
        created_at: this.ctx.now().toISOString(),
        created_by: this.ctx.actor,
      };
      const rowid = this.ctx.db.transaction(() => {
        this.products.ensureRecorded(productId);
        return this.keys.insert(row);
      })();
      pending = { ...row, rowid };
    }
    const { key_version } = await client.registerPubkey(productId, pending.public_key_pem);
    if (this.keys.get(productId, key_version)) throw new WxError('KEY_VERSION_EXISTS', { product_id: productId, key_version });
    this.keys.activate(pending.rowid, key_version);
    this.ctx.log.info('key.create', { product_id: productId, key_version });
    return { product_id: productId, key_version, public_key_pem: pending.public_key_pem };
  }

  /** An existing private key (e.g. from the platform's own script), already registered as key_version. */
  import(productId: number, keyVersion: number, pem: string): KeyResult {
    const priv = parsePrivateKeyPem(pem);
    if (this.keys.get(productId, keyVersion)) throw new WxError('KEY_VERSION_EXISTS', { product_id: productId, key_version: keyVersion });
    const pub = publicKeyPem(priv);
    const sealed = this.ctx.sealer().seal(privateKeyDer(priv));
    this.ctx.db.transaction(() => {
      this.products.ensureRecorded(productId);
      this.keys.insert({
        product_id: productId,
        key_version: keyVersion,
        public_key_pem: pub,
        sealed_private_key: sealed,
        origin: 'imported',
        state: 'active',
        created_at: this.ctx.now().toISOString(),
        created_by: this.ctx.actor,
      });
    })();
    this.ctx.log.info('key.import', { product_id: productId, key_version: keyVersion });
    return { product_id: productId, key_version: keyVersion, public_key_pem: pub };
  }

  private row(productId: number, keyVersion?: number): KeyRow {
    const row = this.keys.get(productId, keyVersion);
    if (!row) {
      if (keyVersion === undefined && this.keys.pendingRegistration(productId)) {
        throw new WxError('KEY_REGISTER_UNFINISHED', { product_id: productId });
      }
      throw new WxError('KEY_NOT_FOUND', { product_id: productId, version: keyVersion === undefined ? '' : ` v${keyVersion}` });
    }
    return row;
  }

  exportPublic(productId: number, keyVersion?: number): KeyResult {
    const r = this.row(productId, keyVersion);
    return { product_id: productId, key_version: r.key_version as number, public_key_pem: r.public_key_pem };
  }

  list(productId?: number) {
    return this.keys.list(productId);
  }

  /** The private key in clear (PKCS#8 DER), checked to be a key; only ever held in memory. */
  private unsealed(productId: number, r: KeyRow): { der: Buffer; key: KeyObject } {
    let der: Buffer | undefined;
    try {
      der = this.ctx.sealer().unseal(r.sealed_private_key);
      return { der, key: privateKeyFromDer(der) };
    } catch (e) {
      der?.fill(0);
      // What the caller must supply (a passphrase, an unlock) says so; anything else is this key not opening.
      if (e instanceof WxError && ASK_CODES.has(e.code)) throw e;
      throw new WxError('KEY_UNSEAL_FAILED', { product_id: productId }, { cause: e });
    }
  }

  signer(productId: number, keyVersion?: number): Signer {
    const r = this.row(productId, keyVersion);
    const { der, key: priv } = this.unsealed(productId, r);
    der.fill(0);
    return {
      product_id: productId,
      key_version: r.key_version as number,
      sign: (deviceId) => {
        const problem = deviceIdProblem(deviceId);
        if (problem) throw new WxError('INPUT_BAD_DEVICE_ID', { line: 1, detail: problem });
        return signDeviceId(priv, productId, deviceId);
      },
    };
  }

  /**
   * The key behind a pool of worker threads (pool size: min(available parallelism, 4) unless
   * `o.size` says otherwise). The DER goes to the workers in memory and is zeroed here.
   */
  batchSigner(productId: number, keyVersion?: number, o: SignPoolOptions = {}): BatchSigner {
    const r = this.row(productId, keyVersion);
    const { der } = this.unsealed(productId, r);
    let pool: SignPool;
    try {
      pool = new SignPool(der, productId, o);
    } finally {
      der.fill(0);
    }
    return {
      product_id: productId,
      key_version: r.key_version as number,
      pool_size: pool.size,
      signChunk: async (ids) => {
        for (let i = 0; i < ids.length; i++) {
          if (DEVICE_ID_RE.test(ids[i])) continue;
          const problem = deviceIdProblem(ids[i]) ?? 'not a device id';
          throw new WxError('INPUT_BAD_DEVICE_ID', { line: i + 1, detail: `${JSON.stringify(ids[i])}: ${problem}` });
        }
        return pool.signChunk(ids);
      },
      close: () => pool.close(),
      get closed() {
        return pool.closed;
      },
      get liveWorkers() {
        return pool.liveWorkers;
      },
    };
  }

  /** Runs `fn` with a batch signer and always closes it (the workers end even when `fn` fails). */
  async withBatchSigner<T>(productId: number, keyVersion: number | undefined, fn: (s: BatchSigner) => Promise<T>, o: SignPoolOptions = {}): Promise<T> {
    const s = this.batchSigner(productId, keyVersion, o);
    try {
      return await fn(s);
    } finally {
      await s.close();
    }
  }

  verify(productId: number, deviceId: string, signature: string, keyVersion?: number): { valid: boolean; key_version: number } {
    const r = this.row(productId, keyVersion);
    const valid = verifyDeviceId(parsePublicKeyPem(r.public_key_pem), productId, deviceId, signature);
    return { valid, key_version: r.key_version as number };
  }
}
