/**
 * The OS keychain as the key store sees it: Electron's safeStorage in the app (DPAPI, the
 * macOS Keychain, a Linux keyring), nothing on the CLI. The core never imports Electron; the
 * app hands one of these in.
 */
export interface OsKeychain {
  /**
   * The OS really keeps the secret. Linux's `basic_text` fallback (a fixed key in Chromium)
   * is not: there the key store asks for the passphrase instead of trusting it.
   */
  available(): boolean;
  /** Shown in `wxprov key slots` for the slot this keychain opens, e.g. "safeStorage gnome_libsecret on host". */
  readonly label: string;
  wrap(plain: Buffer): Buffer;
  unwrap(blob: Buffer): Buffer;
}
