import { redactor } from '../log/redact.js';
import type { Sealer } from '../keys/sealer.js';
import type { Logger } from '../log/logger.js';
import { kvString, type KeyValueStore } from './kv.js';

export const APPID_KEY = 'appid';
export const SECRET_KEY = 'appsecret_sealed';

/**
 * The real mode's hostAppId credentials. The AppID is kept as it is (not secret); the
 * AppSecret only ever sealed (base64 of the sealer's blob) and unsealed into memory when the
 * context is built. Without a sealer (the browser bridge with no passphrase) the secret lives
 * in memory for this run only and is never written.
 */
export class CredentialStore {
  private memorySecret?: string;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly sealer?: () => Sealer,
  ) {}

  appid(): string | undefined {
    return kvString(this.kv, APPID_KEY);
  }

  hasSecret(): boolean {
    return this.memorySecret !== undefined || kvString(this.kv, SECRET_KEY) !== undefined;
  }

  set(appid: string, appsecret: string): void {
    // Masked everywhere from now on, before anything can log it.
    redactor.add(appsecret);
    if (this.sealer) {
      const sealed = this.sealer().seal(Buffer.from(appsecret, 'utf8'));
      this.kv.set(SECRET_KEY, sealed.toString('base64'));
      this.memorySecret = undefined;
    } else {
      this.kv.set(SECRET_KEY, null);
      this.memorySecret = appsecret;
    }
    this.kv.set(APPID_KEY, appid);
  }

  /** The AppSecret in clear, for the API client only; undefined when none is stored or it cannot be unsealed. */
  secret(log?: Logger): string | undefined {
    if (this.memorySecret !== undefined) return this.memorySecret;
    const stored = kvString(this.kv, SECRET_KEY);
    if (stored === undefined || !this.sealer) return undefined;
    try {
      const plain = this.sealer().unseal(Buffer.from(stored, 'base64'));
      const s = plain.toString('utf8');
      plain.fill(0);
      redactor.add(s);
      return s;
    } catch (e) {
      // Sealed on another computer or by another method: it has to be entered again.
      log?.warn('credentials.unseal_failed', { code: e instanceof Error ? e.name : 'unknown' });
      return undefined;
    }
  }
}
