/**
 * Private keys (and, in the app, the AppSecret) are only ever written sealed. The app seals
 * with Electron's safeStorage; headless use seals with a passphrase. Each sealed blob starts
 * with its sealer's tag so a blob is never handed to the wrong one.
 */
export interface Sealer {
  /** A short ASCII tag written in front of every blob, e.g. "pass1" or "safe1". */
  readonly kind: string;
  seal(plain: Buffer): Buffer;
  unseal(sealed: Buffer): Buffer;
}

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
