import type { Db } from '../db/open.js';

export interface KeyRow {
  product_id: number;
  key_version: number | null;
  public_key_pem: string;
  /** The private key sealed under the key store; null for a key in a hardware token. */
  sealed_private_key: Buffer | null;
  origin: 'created' | 'imported';
  state: 'registering' | 'active';
  created_at: string;
  created_by: string;
  /** Where the private key is: sealed here, or in a PKCS#11 token (then the pkcs11_* say which, never what). */
  key_store?: 'sealed' | 'pkcs11';
  pkcs11_module?: string | null;
  pkcs11_token_label?: string | null;
  pkcs11_token_serial?: string | null;
  pkcs11_key_id?: string | null;
}

export type KeyInfo = Omit<KeyRow, 'sealed_private_key'>;

const INFO_COLS = 'product_id, key_version, public_key_pem, origin, state, created_at, created_by, key_store, pkcs11_module, pkcs11_token_label, pkcs11_token_serial, pkcs11_key_id';

/** Product key pairs; the private half only ever sealed, or in a hardware token (only where it is recorded). */
export class KeyStore {
  constructor(private readonly db: Db) {}

  insert(row: KeyRow): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by,
             key_store, pkcs11_module, pkcs11_token_label, pkcs11_token_serial, pkcs11_key_id)
           VALUES (@product_id, @key_version, @public_key_pem, @sealed_private_key, @origin, @state, @created_at, @created_by,
             @key_store, @pkcs11_module, @pkcs11_token_label, @pkcs11_token_serial, @pkcs11_key_id)`,
        )
        .run({ key_store: 'sealed', pkcs11_module: null, pkcs11_token_label: null, pkcs11_token_serial: null, pkcs11_key_id: null, ...row }).lastInsertRowid,
    );
  }

  /** A key generated but whose registerpubkey answer never arrived: resubmitted, never regenerated. */
  pendingRegistration(productId: number): (KeyRow & { rowid: number }) | undefined {
    return this.db
      .prepare("SELECT rowid, * FROM product_keys WHERE product_id = ? AND state = 'registering' ORDER BY rowid DESC LIMIT 1")
      .get(productId) as (KeyRow & { rowid: number }) | undefined;
  }

  activate(rowid: number, keyVersion: number): void {
    this.db.prepare("UPDATE product_keys SET key_version = ?, state = 'active' WHERE rowid = ?").run(keyVersion, rowid);
  }

  /** The given version, or the newest active one. */
  get(productId: number, keyVersion?: number): KeyRow | undefined {
    const sql =
      keyVersion === undefined
        ? "SELECT * FROM product_keys WHERE product_id = ? AND state = 'active' ORDER BY key_version DESC LIMIT 1"
        : "SELECT * FROM product_keys WHERE product_id = ? AND state = 'active' AND key_version = ?";
    const args = keyVersion === undefined ? [productId] : [productId, keyVersion];
    return this.db.prepare(sql).get(...args) as KeyRow | undefined;
  }

  list(productId?: number): KeyInfo[] {
    const where = productId === undefined ? '' : 'WHERE product_id = ?';
    return (
      this.db.prepare(`SELECT ${INFO_COLS} FROM product_keys ${where} ORDER BY product_id, key_version`).all(...(productId === undefined ? [] : [productId])) as KeyInfo[]
    ).map(keyInfoView);
  }
}

/** A key as lists show it: a sealed key as it always was; a key in a token with where it lives (key_store, pkcs11_*). */
export function keyInfoView(k: KeyInfo): KeyInfo {
  if (k.key_store === 'pkcs11') return k;
  const { key_store: _s, pkcs11_module: _m, pkcs11_token_label: _l, pkcs11_token_serial: _t, pkcs11_key_id: _k, ...sealed } = k;
  return sealed;
}
