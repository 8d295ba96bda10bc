import crypto, { type KeyObject } from 'node:crypto';
import { WxError } from '../errors/wx-error.js';

/**
 * WMPF device signatures: ECDSA P-256 with SHA-256 over the exact bytes
 * `<product_id>_<device_id>`, DER-encoded, base64 on ONE line. A wrapped signature (as
 * openssl's base64 writes it) fails activation on the device, so nothing here ever wraps.
 */

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateKeyPair(): KeyPair {
  return crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/**
 * The public key as the platform's registerpubkey wants it: SPKI PEM, header and footer kept.
 * Given a private key, its public half (KeyObject.export refuses 'spki' on a private key).
 */
export const publicKeyPem = (k: KeyObject): string =>
  (k.type === 'private' ? crypto.createPublicKey(k) : k).export({ type: 'spki', format: 'pem' }).toString();

/** PKCS#8 DER: what gets sealed at rest (never written in clear). */
export const privateKeyDer = (k: KeyObject): Buffer => k.export({ type: 'pkcs8', format: 'der' });

export const privateKeyFromDer = (der: Buffer): KeyObject =>
  crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });

function assertP256(k: KeyObject): void {
  const curve = k.asymmetricKeyDetails?.namedCurve;
  if (k.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new WxError('KEY_NOT_P256', { detail: `${k.asymmetricKeyType ?? 'unknown'} ${curve ?? ''}`.trim() });
  }
}

/** Reads a PEM private key (PKCS#8 or SEC1 "EC PRIVATE KEY", as openssl ecparam writes it). */
export function parsePrivateKeyPem(pem: string): KeyObject {
  let k: KeyObject;
  try {
    k = crypto.createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new WxError('KEY_BAD_PEM', { detail: (e as Error).message.replace(/^error:[0-9A-F]+:/, '') });
  }
  assertP256(k);
  return k;
}

export function parsePublicKeyPem(pem: string): KeyObject {
  let k: KeyObject;
  try {
    k = crypto.createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new WxError('KEY_BAD_PEM', { detail: (e as Error).message });
  }
  assertP256(k);
  return k;
}

export const signedMessage = (productId: number, deviceId: string): Buffer =>
  Buffer.from(`${productId}_${deviceId}`, 'utf8');

export function signDeviceId(privateKey: KeyObject, productId: number, deviceId: string): string {
  return crypto.sign('sha256', signedMessage(productId, deviceId), privateKey).toString('base64');
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a one-line base64 DER signature; refuses wrapped or bracketed forms with the reason. */
export function decodeSignature(sig: string): Buffer {
  if (/[\r\n]/.test(sig)) throw new WxError('SIGNATURE_MALFORMED', { detail: 'contains a line break' });
  const s = sig.trim();
  if (!BASE64_RE.test(s) || s.length % 4 !== 0) throw new WxError('SIGNATURE_MALFORMED', { detail: 'not base64' });
  const der = Buffer.from(s, 'base64');
  // A DER ECDSA-Sig-Value is a SEQUENCE (0x30) of two INTEGERs: 8 to 72 bytes for P-256.
  if (der.length < 8 || der.length > 72 || der[0] !== 0x30) {
    throw new WxError('SIGNATURE_MALFORMED', { detail: `not a DER ECDSA signature (${der.length} bytes)` });
  }
  return der;
}

export function verifyDeviceId(publicKey: KeyObject, productId: number, deviceId: string, signature: string): boolean {
  return crypto.verify('sha256', signedMessage(productId, deviceId), publicKey, decodeSignature(signature));
}
