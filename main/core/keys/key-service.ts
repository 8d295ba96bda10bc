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
import { tokenColumns, tokenSignPool, tokenSigner, withTokenSession, type TokenChoice } from './token-keys.js';

export interface KeyResult {
  product_id: number;
  key_version: number;
  public_key_pem: string;
  /** A key in a hardware token: `pkcs11`, and the token and key `pkcs11` names (a sealed key's answer has neither). */
  key_store?: 'sealed' | 'pkcs11';
  pkcs11?: { module: string; token_label: string | null; token_serial: string | null; key_id: string };
}

const where = (r: Pick<KeyRow, 'key_store' | 'pkcs11_module' | 'pkcs11_token_label' | 'pkcs11_token_serial' | 'pkcs11_key_id'>): Pick<KeyResult, 'key_store' | 'pkcs11'> =>
  r.key_store === 'pkcs11'
    ? { key_store: 'pkcs11', pkcs11: { module: r.pkcs11_module!, token_label: r.pkcs11_token_label ?? null, token_serial: r.pkcs11_token_serial ?? null, key_id: r.pkcs11_key_id! } }
    : {}; // a sealed key's answer stays the three keys it always had

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
  async create(productId: number, token?: TokenChoice): Promise<KeyResult> {
    const client = this.ctx.wechat();
    let pending = this.keys.pendingRegistration(productId);
    if (!pending) {
      const made = token ? this.generateInToken(productId, token) : this.generateSealed();
      const row: KeyRow = {
        product_id: productId,
        key_version: null,
        origin: 'created',
        state: 'registering',
        created_at: this.ctx.now().toISOString(),
        created_by: this.ctx.actor,
        ...made,
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
    return { product_id: productId, key_version, public_key_pem: pending.public_key_pem, ...where(pending) };
  }

  private generateSealed(): Pick<KeyRow, 'public_key_pem' | 'sealed_private_key'> {
    const pair = generateKeyPair();
    return { public_key_pem: publicKeyPem(pair.publicKey), sealed_private_key: this.ctx.sealer().seal(privateKeyDer(pair.privateKey)) };
  }

  /** A pair made inside the token (sensitive, never extractable); the row records where it is, not what. */
  private generateInToken(productId: number, token: TokenChoice): Pick<KeyRow, 'public_key_pem' | 'sealed_private_key' | 'key_store' | 'pkcs11_module' | 'pkcs11_token_label' | 'pkcs11_token_serial' | 'pkcs11_key_id'> {
    return withTokenSession(
      this.ctx,
      token,
      (s) => {
        const k = s.generateP256(`wxprov product ${productId}`);
        return { public_key_pem: k.public_key_pem, sealed_private_key: null, ...tokenColumns(s, k.key_id) };
      },
      { keygen: true },
    );
  }

  /** A key already in a token (found by its label), already registered as key_version: recorded where it is. */
  importFromToken(productId: number, keyVersion: number, token: TokenChoice, keyLabel: string): KeyResult {
    if (this.keys.get(productId, keyVersion)) throw new WxError('KEY_VERSION_EXISTS', { product_id: productId, key_version: keyVersion });
    const found = withTokenSession(this.ctx, token, (s) => {
      const k = s.findKey({ key_label: keyLabel }, { adopt: true });
      return { public_key_pem: k.public_key_pem, ...tokenColumns(s, k.key_id) };
    });
    this.ctx.db.transaction(() => {
      this.products.ensureRecorded(productId);
      this.keys.insert({
        product_id: productId,
        key_version: keyVersion,
        sealed_private_key: null,
        origin: 'imported',
        state: 'active',
        created_at: this.ctx.now().toISOString(),
        created_by: this.ctx.actor,
        ...found,
      });
    })();
    this.ctx.log.info('key.import', { product_id: productId, key_version: keyVersion, key_store: 'pkcs11' });
    return { product_id: productId, key_version: keyVersion, public_key_pem: found.public_key_pem, ...where(found) };
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
      if (!r.sealed_private_key) throw new WxError('KEY_UNSEAL_FAILED', { product_id: productId });
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
    let sign: (deviceId: string) => string;
    if (r.key_store === 'pkcs11') sign = tokenSigner(this.ctx, r, productId);
    else {
      const { der, key: priv } = this.unsealed(productId, r);
      der.fill(0);
      sign = (deviceId) => signDeviceId(priv, productId, deviceId);
    }
    return {
      product_id: productId,
      key_version: r.key_version as number,
      sign: (deviceId) => {
        const problem = deviceIdProblem(deviceId);
        if (problem) throw new WxError('INPUT_BAD_DEVICE_ID', { line: 1, detail: problem });
        return sign(deviceId);
      },
    };
  }

  /**
   * The key behind a pool of worker threads (pool size: min(available parallelism, 4) unless
   * `o.size` says otherwise). The DER goes to the workers in memory and is zeroed here.
   */
  batchSigner(productId: number, keyVersion?: number, o: SignPoolOptions = {}): BatchSigner {
    const r = this.row(productId, keyVersion);
    let pool: Pick<SignPool, 'size' | 'signChunk' | 'close' | 'closed'> & { liveWorkers?: number };
    if (r.key_store === 'pkcs11') pool = tokenSignPool(this.ctx, r, productId, o.size);
    else {
      const { der } = this.unsealed(productId, r);
      try {
        pool = new SignPool(der, productId, o);
      } finally {
        der.fill(0);
      }
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
        return pool.liveWorkers ?? 0;
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
