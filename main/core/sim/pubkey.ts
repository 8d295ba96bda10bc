import crypto from 'node:crypto';

/**
 * Why a registerpubkey `pubkey` is refused, or undefined when it is a P-256 SPKI PEM.
 * The header is checked by hand because createPublicKey happily derives a public key from a
 * private key PEM, and a station that uploads its private key must be told so, loudly.
 */
export function pubkeyProblem(pem: unknown): string | undefined {
  if (typeof pem !== 'string' || pem.trim() === '') return 'pubkey is required';
  if (!/^\s*-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*$/.test(pem)) {
    return /PRIVATE KEY/.test(pem) ? 'pubkey is a private key' : 'pubkey must be an SPKI PEM (-----BEGIN PUBLIC KEY-----)';
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    return `pubkey cannot be read: ${(e as Error).message}`;
  }
  if (key.asymmetricKeyType !== 'ec') return `pubkey is ${key.asymmetricKeyType}, not EC`;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'prime256v1') return `pubkey curve is ${curve}, not prime256v1`;
  return undefined;
}
