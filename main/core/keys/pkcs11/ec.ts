import crypto from 'node:crypto';

/** The DER of the P-256 curve's OID (1.2.840.10045.3.1.7), as CKA_EC_PARAMS holds it. */
export const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

/** SubjectPublicKeyInfo for an uncompressed P-256 point, up to the point itself. */
const SPKI_P256_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/**
 * CKA_EC_POINT → the SPKI PEM registerpubkey takes. Tokens give the point as a DER OCTET
 * STRING (04 41 04 X Y), as the standard says; some give it bare (04 X Y): both are read.
 */
export function ecPointToPem(point: Buffer): string {
  const raw = point.length === 67 && point[0] === 0x04 && point[1] === 0x41 ? point.subarray(2) : point;
  if (raw.length !== 65 || raw[0] !== 0x04) throw new Error(`not an uncompressed P-256 point (${point.length} bytes)`);
  return crypto.createPublicKey({ key: Buffer.concat([SPKI_P256_PREFIX, raw]), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
}

/** One INTEGER of an ECDSA-Sig-Value: leading zeros dropped, a 0x00 before a high bit. */
function derInteger(v: Buffer): Buffer {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  const body = v[i] & 0x80 ? Buffer.concat([Buffer.from([0]), v.subarray(i)]) : v.subarray(i);
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

/** CKM_ECDSA's raw r‖s (64 bytes for P-256) → the DER signature WMPF and openssl take. */
export function rawToDer(raw: Buffer): Buffer {
  if (raw.length !== 64) throw new Error(`a P-256 signature is 64 bytes, not ${raw.length}`);
  const seq = Buffer.concat([derInteger(raw.subarray(0, 32)), derInteger(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, seq.length]), seq]);
}
