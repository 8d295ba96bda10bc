/**
 * Private keys and the app's AppSecret are only ever written sealed: under the key store's
 * data key (`env1`, keys/vault.ts). Blobs from before it carry the tag of the sealer that made
 * them (`pass1` passphrase, `safe1` the app's safeStorage), so a blob is never handed to the
 * wrong one.
 */
export interface Sealer {
  /** A short ASCII tag written in front of every blob, e.g. "pass1" or "safe1". */
  readonly kind: string;
  seal(plain: Buffer): Buffer;
  unseal(sealed: Buffer): Buffer;
}

/** Opens blobs of one kind only: what the key store keeps of the sealers from before it. */
export type Opener = Pick<Sealer, 'kind' | 'unseal'>;

export const SEAL_MAGIC = 'WXS';

/** `WXS:<kind>:` + body. */
export function frame(kind: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${SEAL_MAGIC}:${kind}:`, 'ascii'), body]);
}

export function unframe(blob: Buffer): { kind: string; body: Buffer } | undefined {
  const head = blob.subarray(0, 32).toString('latin1');
  const m = /^WXS:([a-z0-9]+):/.exec(head);
  if (!m) return undefined;
  return { kind: m[1], body: blob.subarray(m[0].length) };
}
