/**
 * The key store's data key once unlocked: in memory only, never written, zeroed when the store
 * is locked or its owner closes. The app keeps one holder for its whole run, so rebuilding the
 * context (new credentials, a mode switch) does not ask for the passphrase again.
 */
export class DataKeyHolder {
  private key?: Buffer;

  get(): Buffer | undefined {
    return this.key;
  }

  set(key: Buffer): void {
    if (this.key && this.key !== key) this.key.fill(0);
    this.key = key;
  }

  clear(): void {
    this.key?.fill(0);
    this.key = undefined;
  }
}
