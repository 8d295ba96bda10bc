import { WxError } from '../../errors/wx-error.js';
import { DataKeyHolder } from '../../keys/data-key.js';
import { ENVELOPE_KIND, keyCheck, newDataKey, openWith, sealWith } from '../../keys/envelope.js';
import { unwrapWithPassphrase, wrapWithPassphrase } from '../../keys/passphrase-slot.js';
import { unframe, type Sealer } from '../../keys/sealer.js';
import { MIN_NEW_PASSPHRASE } from '../../keys/vault.js';
import type { Logger } from '../../log/logger.js';
import { redactor } from '../../log/redact.js';
import type { ServerDb } from '../db/server-db.js';

/** The settings row the keyring lives in: the data key's public check and its wrapped copies. Never the key. */
export const KEYRING_SETTING = 'keyring';

interface Slot {
  kind: 'passphrase';
  params: string;
  /** base64 of iv + tag + the wrapped data key (keys/passphrase-slot.ts). */
  wrapped: string;
  created_at: string;
  created_by: string;
}

interface KeyringDoc {
  check: string;
  slots: Slot[];
}

/**
 * The server's key store: the station's envelope sealing (keys/envelope.ts, `WXS:env1:`,
 * AES-256-GCM under one random data key) with the data key wrapped by WXPROV_KEY_PASSPHRASE
 * (keys/passphrase-slot.ts, scrypt) and kept, wrapped, in the settings table. The station's
 * KeyVault does the same over SQLite; its pure parts are reused here over the async store.
 *
 * Why envelope rather than `WXS:pass1:` per key: scrypt runs once per start, not once per key
 * a worker unseals (the server signs blocks for every station), and a second way in (another
 * passphrase, a hardware token) is one more slot wrapping the same data key instead of
 * re-sealing every product key.
 *
 * Without a passphrase the server still runs (stations join, downlinks go out); what needs a
 * private key answers KEY_PASSPHRASE_REQUIRED. A wrong one stops the start.
 */
export class ServerKeyring {
  private readonly holder = new DataKeyHolder();

  constructor(
    private readonly db: ServerDb,
    private readonly o: { passphrase?: string; now: () => Date; actor: string; log: Logger },
  ) {
    redactor.add(o.passphrase);
  }

  private async read(): Promise<KeyringDoc | undefined> {
    const r = await this.db.query<{ value: KeyringDoc }>('SELECT value FROM settings WHERE key = $1', [KEYRING_SETTING]);
    return r.rows[0]?.value;
  }

  /** Unlocks with the passphrase (setting the keyring up on first use); does nothing without one. */
  async open(): Promise<'unlocked' | 'created' | 'no-passphrase'> {
    const p = this.o.passphrase;
    if (!p) return 'no-passphrase';
    const doc = await this.read();
    if (doc) {
      this.unlock(doc, p);
      return 'unlocked';
    }
    if (p.length < MIN_NEW_PASSPHRASE) {
      throw new WxError('CONFIG_INVALID', { name: 'WXPROV_KEY_PASSPHRASE', detail: `shorter than ${MIN_NEW_PASSPHRASE} characters`, allowed: `${MIN_NEW_PASSPHRASE} characters or more` });
    }
    const key = newDataKey();
    const slot = wrapWithPassphrase(key, p);
    const at = this.o.now().toISOString();
    const value: KeyringDoc = { check: keyCheck(key), slots: [{ kind: 'passphrase', params: slot.params, wrapped: slot.wrapped.toString('base64'), created_at: at, created_by: this.o.actor }] };
    const r = await this.db.query(
      'INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2::jsonb, $3::timestamptz, $4) ON CONFLICT (key) DO NOTHING',
      [KEYRING_SETTING, JSON.stringify(value), at, this.o.actor],
    );
    if (r.rowCount === 0) {
      // Another server on the same database set it up first: that one's passphrase must open it.
      key.fill(0);
      this.unlock((await this.read())!, p);
      return 'unlocked';
    }
    this.holder.set(key);
    this.o.log.info('keyring.created', { by: this.o.actor });
    return 'created';
  }

  private unlock(doc: KeyringDoc, passphrase: string): void {
    for (const s of doc.slots) {
      const key = s.kind === 'passphrase' ? unwrapWithPassphrase(s.params, Buffer.from(s.wrapped, 'base64'), passphrase) : undefined;
      if (!key) continue;
      if (keyCheck(key) !== doc.check) {
        key.fill(0);
        continue;
      }
      this.holder.set(key);
      this.o.log.info('keyring.unlocked', {});
      return;
    }
    throw new WxError('KEYSTORE_PASSPHRASE_WRONG');
  }

  get unlocked(): boolean {
    return this.holder.get() !== undefined;
  }

  private key(): Buffer {
    const k = this.holder.get();
    if (!k) throw new WxError('KEY_PASSPHRASE_REQUIRED');
    return k;
  }

  sealer(): Sealer {
    return {
      kind: ENVELOPE_KIND,
      seal: (plain) => sealWith(this.key(), plain),
      unseal: (blob) => {
        if (unframe(blob)?.kind !== ENVELOPE_KIND) throw new WxError('KEY_UNSEAL_FAILED', { product_id: '?' });
        return openWith(this.key(), blob);
      },
    };
  }

  /** Forgets the data key (zeroed): at stop. */
  close(): void {
    this.holder.clear();
  }
}
