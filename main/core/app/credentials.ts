import { APPSECRET_VALUE } from '../keys/saved-credentials.js';
import { unframe, type Opener } from '../keys/sealer.js';
import type { KeyVault } from '../keys/vault.js';
import type { Logger } from '../log/logger.js';
import { redactor } from '../log/redact.js';
import { kvString, type KeyValueStore } from './kv.js';

/** Where versions before the key store kept the pair, in the app's settings. */
export const APPID_KEY = 'appid';
export const SECRET_KEY = 'appsecret_sealed';

/**
 * The real mode's hostAppId credentials. The AppSecret is sealed in the data dir's key store
 * (so the CLI can use it when it can unlock the store) with its AppID beside it; the app's
 * settings held them before, and an unlock that opens that old blob moves it over.
 */
export class CredentialStore {
  constructor(private readonly kv: KeyValueStore) {}

  /** The AppID kept the old way, while its AppSecret has not moved into the key store. */
  legacyAppid(): string | undefined {
    return kvString(this.kv, APPID_KEY);
  }

  view(vault: KeyVault | undefined): { appid: string | null; has_secret: boolean } {
    const saved = vault?.valueMeta(APPSECRET_VALUE);
    if (saved) return { appid: saved.meta, has_secret: true };
    return { appid: this.legacyAppid() ?? null, has_secret: kvString(this.kv, SECRET_KEY) !== undefined };
  }

  /** Needs the key store unlocked (KEYSTORE_LOCKED / KEYSTORE_NOT_SET_UP otherwise). */
  set(vault: KeyVault, appid: string, appsecret: string): void {
    // Masked everywhere from now on, before anything can log it.
    redactor.add(appsecret);
    const plain = Buffer.from(appsecret, 'utf8');
    try {
      vault.setValue(APPSECRET_VALUE, plain, appid);
    } finally {
      plain.fill(0);
    }
    this.kv.set(SECRET_KEY, null);
    this.kv.set(APPID_KEY, null);
  }

  /** At an unlock: the AppSecret sealed the old way (`WXS:safe1:` / `WXS:pass1:` in the settings) moves into the key store. */
  upgradeLegacy(vault: KeyVault, openers: readonly Opener[], log: Logger): void {
    const stored = kvString(this.kv, SECRET_KEY);
    const appid = this.legacyAppid();
    if (stored === undefined || appid === undefined) return;
    if (vault.valueMeta(APPSECRET_VALUE)) {
      // One saved since (by another version, or the CLI's data dir shared): the newer one stays.
      this.kv.set(SECRET_KEY, null);
      this.kv.set(APPID_KEY, null);
      return;
    }
    const blob = Buffer.from(stored, 'base64');
    const kind = unframe(blob)?.kind;
    let plain: Buffer | undefined;
    try {
      plain = openers.find((o) => o.kind === kind)?.unseal(blob);
    } catch {
      plain = undefined;
    }
    if (!plain) {
      // Sealed on another computer or by another method: it has to be entered again.
      log.warn('credentials.legacy_kept', { kind: kind ?? 'unknown' });
      return;
    }
    try {
      redactor.add(plain.toString('utf8'));
      vault.setValue(APPSECRET_VALUE, plain, appid);
    } finally {
      plain.fill(0);
    }
    this.kv.set(SECRET_KEY, null);
    this.kv.set(APPID_KEY, null);
    log.info('credentials.upgraded', { appid });
  }
}
