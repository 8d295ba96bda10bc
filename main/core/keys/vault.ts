import type { Db } from '../db/open.js';
import { WxError, isWxError } from '../errors/wx-error.js';
import type { Logger } from '../log/logger.js';
import { redactor } from '../log/redact.js';
import type { DataKeyHolder } from './data-key.js';
import { ENVELOPE_KIND, keyCheck, newDataKey, openWith, sealWith } from './envelope.js';
import type { OsKeychain } from './keychain.js';
import { PassphraseSealer } from './passphrase-sealer.js';
import { unwrapWithPassphrase, wrapWithPassphrase } from './passphrase-slot.js';
import { unframe, type Opener, type Sealer } from './sealer.js';
import { VaultStore, type SlotInfo } from './vault-store.js';

export interface VaultOptions {
  /** Where the unlocked data key lives; the app keeps one for its whole run. */
  holder: DataKeyHolder;
  /** The app's OS keychain (safeStorage); absent on the CLI. */
  keychain?: OsKeychain;
  /** Openers for blobs from before the key store that no passphrase opens (the app's `WXS:safe1:`). */
  legacy?: readonly Opener[];
  /** WXPROV_KEY_PASSPHRASE on the CLI: unlocks when a key is needed, or sets the store up on first use. */
  passphrase?: string;
  /** The app asks the engineer (KEYSTORE_LOCKED / KEYSTORE_NOT_SET_UP); the CLI names its variable (KEY_PASSPHRASE_REQUIRED). */
  ask: boolean;
  /** After every unlock, with the openers it brought: secrets kept outside the database (the app's old AppSecret) are re-sealed there. */
  onUnlock?: (vault: KeyVault, openers: readonly Opener[], log: Logger) => void;
  now: () => Date;
  actor: string;
  log: Logger;
}

export type VaultState = 'none' | 'locked' | 'unlocked';

/** For passphrases chosen from now on; one already sealing keys (an old WXPROV_KEY_PASSPHRASE) is taken as it is. */
export const MIN_NEW_PASSPHRASE = 8;

const LEGACY_PASSPHRASE_KIND = 'pass1';

/**
 * The data dir's key store (envelope sealing): one random data key seals every private key
 * and the app's AppSecret (`WXS:env1:`); each slot wraps that key once — a passphrase (scrypt),
 * the OS keychain, later a hardware token — so whichever way the store is unlocked, by the app
 * or the CLI, the same blobs open. The data key exists only in memory, in the holder.
 *
 * Blobs from before (`WXS:pass1:` with the CLI's passphrase, `WXS:safe1:` with the app's
 * safeStorage) still open with those, and every unlock re-seals the ones it can open.
 */
export class KeyVault {
  private readonly store: VaultStore;

  constructor(
    db: Db,
    private readonly o: VaultOptions,
  ) {
    this.store = new VaultStore(db);
  }

  state(): VaultState {
    const check = this.store.check();
    if (check === undefined) return 'none';
    const key = this.o.holder.get();
    return key && keyCheck(key) === check ? 'unlocked' : 'locked';
  }

  /** The OS really keeps secrets here, so it gets a slot and unlocks the store without asking. */
  keychainAvailable(): boolean {
    try {
      return this.o.keychain?.available() ?? false;
    } catch {
      return false;
    }
  }

  slots(): SlotInfo[] {
    return this.store.slots().map(({ id, kind, label, created_at, created_by }) => ({ id, kind, label, created_at, created_by }));
  }

  /**
   * First use: a random data key and its first slot, this passphrase (then the keychain's,
   * where there is one). Keys this data dir already holds sealed with a passphrase must open
   * with this one — otherwise a typo would leave them behind — and are re-sealed under the
   * data key in the same transaction.
   */
  create(passphrase: string): void {
    if (!passphrase) throw new WxError(this.o.ask ? 'KEYSTORE_NOT_SET_UP' : 'KEY_PASSPHRASE_REQUIRED');
    redactor.add(passphrase);
    const openers = [new PassphraseSealer(passphrase), ...(this.o.legacy ?? [])];
    // The slow part (scrypt) before the write lock: the line and the sync never wait on it.
    const legacy = this.openLegacy(openers, LEGACY_PASSPHRASE_KIND);
    const key = newDataKey();
    const at = this.o.now().toISOString();
    try {
      const slot = wrapWithPassphrase(key, passphrase);
      this.store.db
        .transaction(() => {
          if (!this.store.create(keyCheck(key), at, this.o.actor)) throw new WxError('KEYSTORE_EXISTS');
          this.store.addSlot({ kind: 'passphrase', label: '', ...slot, created_at: at, created_by: this.o.actor });
          this.reseal(key, legacy);
        })
        .immediate();
    } catch (e) {
      key.fill(0);
      throw e;
    } finally {
      for (const l of legacy) l.plain.fill(0);
    }
    this.o.holder.set(key);
    this.o.log.info('keystore.created', { by: this.o.actor });
    this.afterUnlock(openers, false);
  }

  /** Any passphrase slot; refused with KEYSTORE_PASSPHRASE_WRONG when none opens. */
  unlock(passphrase: string): void {
    const check = this.store.check();
    if (check === undefined) throw new WxError(this.o.ask ? 'KEYSTORE_NOT_SET_UP' : 'KEY_PASSPHRASE_REQUIRED');
    for (const s of this.store.slots('passphrase')) {
      const key = unwrapWithPassphrase(s.params ?? '', s.wrapped, passphrase);
      if (!key) continue;
      if (keyCheck(key) !== check) {
        key.fill(0);
        continue;
      }
      redactor.add(passphrase);
      this.o.holder.set(key);
      this.o.log.info('keystore.unlocked', { via: 'passphrase', slot: s.id });
      this.afterUnlock([new PassphraseSealer(passphrase), ...(this.o.legacy ?? [])], true);
      return;
    }
    throw new WxError('KEYSTORE_PASSPHRASE_WRONG');
  }

  /** Through a keychain slot this OS user on this computer opens; false when there is none. */
  unlockWithKeychain(): boolean {
    const check = this.store.check();
    if (check === undefined || !this.keychainAvailable()) return false;
    const found = this.keychainKey(check);
    if (!found) return false;
    this.o.holder.set(found.key);
    this.o.log.info('keystore.unlocked', { via: 'safeStorage', slot: found.slot });
    this.afterUnlock(this.o.legacy ?? [], true);
    return true;
  }

  /**
   * The data key, unlocking on the way if this process can without asking: the keychain,
   * then WXPROV_KEY_PASSPHRASE (which also sets the store up on first use, as the CLI did
   * with its first sealed key). Otherwise it refuses with what the caller must supply.
   */
  open(): Buffer {
    let state = this.state();
    if (state === 'locked' && this.unlockWithKeychain()) state = 'unlocked';
    if (state !== 'unlocked') {
      const p = this.o.passphrase;
      if (!p) throw new WxError(!this.o.ask ? 'KEY_PASSPHRASE_REQUIRED' : state === 'none' ? 'KEYSTORE_NOT_SET_UP' : 'KEYSTORE_LOCKED');
      if (state === 'locked') this.unlock(p);
      else {
        try {
          this.create(p);
        } catch (e) {
          // Another process (the app, a second CLI) set it up a moment ago.
          if (!isWxError(e) || e.code !== 'KEYSTORE_EXISTS') throw e;
          this.unlock(p);
        }
      }
    }
    return this.o.holder.get()!;
  }

  /** Forgets the data key (zeroed). */
  lock(): void {
    this.o.holder.clear();
  }

  /** Another passphrase that opens the store; needs it unlocked. */
  addPassphraseSlot(passphrase: string, label = ''): SlotInfo {
    const key = this.open();
    if (passphrase.length < MIN_NEW_PASSPHRASE) {
      throw new WxError('INPUT_INVALID', { field: 'the new passphrase', detail: `shorter than ${MIN_NEW_PASSPHRASE} characters`, allowed: `${MIN_NEW_PASSPHRASE} characters or more` });
    }
    const same = this.store.slots('passphrase').find((s) => {
      const k = unwrapWithPassphrase(s.params ?? '', s.wrapped, passphrase);
      k?.fill(0);
      return k !== undefined;
    });
    if (same) throw new WxError('INPUT_INVALID', { field: 'the new passphrase', detail: `it already opens slot ${same.id}`, allowed: 'a passphrase no slot has yet' });
    redactor.add(passphrase);
    return this.addSlot('passphrase', label, wrapWithPassphrase(key, passphrase));
  }

  /**
   * Removes a slot; needs the store unlocked. The last passphrase slot stays: it is the only
   * way in from the CLI or on another computer, and the keychain's slot dies with this OS
   * account — so the last slot of all can never go either.
   */
  removeSlot(id: number): SlotInfo {
    this.open();
    return this.store.db
      .transaction(() => {
        const all = this.store.slots();
        const slot = all.find((s) => s.id === id);
        if (!slot) throw new WxError('KEYSTORE_SLOT_NOT_FOUND', { id });
        if (slot.kind === 'passphrase' && all.filter((s) => s.kind === 'passphrase').length === 1) throw new WxError('KEYSTORE_LAST_SLOT', { id });
        this.store.removeSlot(id);
        this.o.log.info('keystore.slot_removed', { id, kind: slot.kind, by: this.o.actor });
        const { id: _id, kind, label, created_at, created_by } = slot;
        return { id: _id, kind, label, created_at, created_by };
      })
      .immediate();
  }

  seal(plain: Buffer): Buffer {
    return sealWith(this.open(), plain);
  }

  unseal(blob: Buffer): Buffer {
    const kind = unframe(blob)?.kind;
    const key = this.open();
    if (kind === ENVELOPE_KIND) return openWith(key, blob);
    // A blob read before this unlock re-sealed it.
    if (kind === LEGACY_PASSPHRASE_KIND && this.o.passphrase) return new PassphraseSealer(this.o.passphrase).unseal(blob);
    const legacy = this.o.legacy?.find((l) => l.kind === kind);
    if (legacy) return legacy.unseal(blob);
    throw new WxError('KEY_UNSEAL_FAILED', { product_id: '?' });
  }

  sealer(): Sealer {
    return { kind: ENVELOPE_KIND, seal: (p) => this.seal(p), unseal: (b) => this.unseal(b) };
  }

  /** A named secret, sealed; `meta` stays readable while locked (not secret). */
  setValue(name: string, plain: Buffer, meta: string | null): void {
    this.store.setValue(name, { sealed: this.seal(plain), meta }, this.o.now().toISOString(), this.o.actor);
  }

  /** Removing a secret needs no unlock: nothing is revealed. */
  deleteValue(name: string): boolean {
    return this.store.deleteValue(name);
  }

  getValue(name: string): Buffer | undefined {
    const v = this.store.value(name);
    return v ? this.unseal(v.sealed) : undefined;
  }

  valueMeta(name: string): { meta: string | null } | undefined {
    const v = this.store.value(name);
    return v ? { meta: v.meta } : undefined;
  }

  private addSlot(kind: 'passphrase' | 'safeStorage', label: string, w: { params: string | null; wrapped: Buffer }): SlotInfo {
    const at = this.o.now().toISOString();
    const id = this.store.addSlot({ kind, label, params: w.params, wrapped: w.wrapped, created_at: at, created_by: this.o.actor });
    this.o.log.info('keystore.slot_added', { id, kind, by: this.o.actor });
    return { id, kind, label, created_at: at, created_by: this.o.actor };
  }

  private keychainKey(check: string): { key: Buffer; slot: number } | undefined {
    for (const s of this.store.slots('safeStorage')) {
      let key: Buffer;
      try {
        key = this.o.keychain!.unwrap(s.wrapped);
      } catch {
        continue; // another computer's or another OS user's slot
      }
      if (keyCheck(key) === check) return { key, slot: s.id };
      key.fill(0);
    }
    return undefined;
  }

  private afterUnlock(openers: readonly Opener[], upgrade: boolean): void {
    const key = this.o.holder.get()!;
    if (upgrade) {
      const legacy = this.openLegacy(openers);
      try {
        if (legacy.length > 0) this.store.db.transaction(() => this.reseal(key, legacy)).immediate();
      } finally {
        for (const l of legacy) l.plain.fill(0);
      }
    }
    const check = this.store.check()!;
    if (this.keychainAvailable()) {
      const mine = this.keychainKey(check);
      if (mine) mine.key.fill(0);
      else {
        try {
          this.addSlot('safeStorage', this.o.keychain!.label, { params: null, wrapped: this.o.keychain!.wrap(key) });
        } catch (e) {
          this.o.log.warn('keystore.keychain_slot_failed', { error: e instanceof Error ? e.message : String(e) });
        }
      }
    }
    this.o.onUnlock?.(this, openers, this.o.log);
  }

  /**
   * The product keys from before the key store that these openers open, in clear (the caller
   * zeroes them). With `strict`, a blob of that kind that does not open refuses the whole
   * thing: the passphrase a new store is made with must be the one those keys were sealed with.
   */
  private openLegacy(openers: readonly Opener[], strict?: string): { rowid: number; before: Buffer; plain: Buffer }[] {
    const out: { rowid: number; before: Buffer; plain: Buffer }[] = [];
    try {
      for (const b of this.store.productKeyBlobs()) {
        const kind = unframe(b.sealed)?.kind;
        if (kind === ENVELOPE_KIND) continue;
        let plain: Buffer | undefined;
        try {
          plain = openers.find((o) => o.kind === kind)?.unseal(b.sealed);
        } catch {
          plain = undefined;
        }
        if (plain) out.push({ rowid: b.rowid, before: b.sealed, plain });
        else if (strict && kind === strict) throw new WxError('KEYSTORE_LEGACY_MISMATCH', { product_id: b.product_id });
        else this.o.log.warn('keystore.legacy_kept', { product_id: b.product_id, kind: kind ?? 'unknown' });
      }
    } catch (e) {
      for (const l of out) l.plain.fill(0);
      throw e;
    }
    return out;
  }

  /** Compare-and-set, so a blob another process changed meanwhile is left to it. */
  private reseal(key: Buffer, legacy: readonly { rowid: number; before: Buffer; plain: Buffer }[]): void {
    let n = 0;
    for (const l of legacy) if (this.store.replaceProductKeyBlob(l.rowid, l.before, sealWith(key, l.plain))) n++;
    if (n > 0) this.o.log.info('keystore.upgraded', { keys: n });
  }
}
