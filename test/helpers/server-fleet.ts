import crypto, { type KeyObject } from 'node:crypto';
import { generateKeyPair, privateKeyDer, publicKeyPem } from '../../main/core/keys/ecdsa.js';
import { nullLogger } from '../../main/core/log/logger.js';
import type { ServerDb } from '../../main/core/server/db/server-db.js';
import { ServerKeyring } from '../../main/core/server/keys/keyring.js';
import { ProductSigners } from '../../main/core/server/keys/product-signer.js';

// The factory server's store seeded for the fleet tests (blocks, signing, uplink,
// registration): joined stations, a product with a model name, a template and a key sealed
// under a keyring as the server seals it. Straight into the store: what is under test is what
// comes after.

export const T0 = '2026-11-30T08:00:00.000Z';

export async function addStation(db: ServerDb, code: string): Promise<string> {
  const credential = crypto.randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO stations (code, state, credential_hash, enrolled_at, enrolled_by, joined_at) VALUES ($1, 'joined', $2, $3::timestamptz, 'test', $3::timestamptz)`,
    [code, crypto.createHash('sha256').update(credential).digest('hex'), T0],
  );
  return credential;
}

export async function addProduct(db: ServerDb, productId: number, o: { model?: string | null; template?: string | null } = {}): Promise<void> {
  await db.query(
    "INSERT INTO products (product_id, model_name, id_template, english_name, origin, created_at, created_by) VALUES ($1, $2, $3, 'Lamp', 'recorded', $4::timestamptz, 'test')",
    [productId, o.model === undefined ? 'LAMP-1' : o.model, o.template ?? null, T0],
  );
}

export interface SeededFleet {
  keyring: ServerKeyring;
  signers: ProductSigners;
  /** The public key of each product's key 1. */
  publicKeys: Map<number, KeyObject>;
}

/** A keyring set up with a passphrase, and a registered (active) key 1 sealed under it for each product. */
export async function seedKeys(db: ServerDb, productIds: number[]): Promise<SeededFleet> {
  const keyring = new ServerKeyring(db, { passphrase: 'fleet test passphrase', now: () => new Date(T0), actor: 'test', log: nullLogger });
  await keyring.open();
  const publicKeys = new Map<number, KeyObject>();
  for (const productId of productIds) {
    const pair = generateKeyPair();
    await db.query(
      `INSERT INTO product_keys (product_id, key_version, public_key_pem, sealed_private_key, origin, state, created_at, created_by)
       VALUES ($1, 1, $2, $3, 'created', 'active', $4::timestamptz, 'test')`,
      [productId, publicKeyPem(pair.publicKey), keyring.sealer().seal(privateKeyDer(pair.privateKey)), T0],
    );
    publicKeys.set(productId, pair.publicKey);
  }
  return { keyring, signers: new ProductSigners(keyring), publicKeys };
}

/** A station's uplink row as its trigger writes it (fleet_uplink payload), with what a test changes on top. */
export function uplinkRow(o: { row_id: number; version: number; device_id: string; product_id?: number } & Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'device',
    product_id: 1001,
    status: 'allocated',
    hwid: null,
    sn: null,
    signature: null,
    key_version: 1,
    station: 'A1',
    port: '/dev/ttyUSB0',
    operator: 'op1',
    created_at: T0,
    updated_at: T0,
    last_error: null,
    ...o,
  };
}
