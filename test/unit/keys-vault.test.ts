import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext, type CoreContext, type KeystoreOptions } from '../../main/core/context.js';
import { WxError } from '../../main/core/errors/wx-error.js';
import { DataKeyHolder } from '../../main/core/keys/data-key.js';
import { generateKeyPair, privateKeyDer, publicKeyPem } from '../../main/core/keys/ecdsa.js';
import { KeyService } from '../../main/core/keys/key-service.js';
import { KeyStore } from '../../main/core/keys/key-store.js';
import { PassphraseSealer } from '../../main/core/keys/passphrase-sealer.js';
import { unframe } from '../../main/core/keys/sealer.js';
import { safeStorageKeychain } from '../../main/safe-storage-keychain.js';
import { fakeSafeStorage } from '../helpers/fake-safe-storage.js';
import { tmpDir } from '../helpers/tmp.js';

// The key store on real SQLite files: envelope sealing, slots, locking, and the blobs from before it.

const open: CoreContext[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

function ctxAt(home: string, passphrase?: string, keystore?: KeystoreOptions): CoreContext {
  const ctx = createContext({ env: { WXPROV_HOME: home, ...(passphrase === undefined ? {} : { WXPROV_KEY_PASSPHRASE: passphrase }) }, actor: 'test', keystore });
  open.push(ctx);
  return ctx;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof WxError ? e.code : `not a WxError: ${String(e)}`;
  }
  return 'no error';
}

const kindOf = (b: Buffer) => unframe(b)?.kind;

describe('the key store', () => {
  it('is set up on first use with the passphrase, seals WXS:env1:, and opens for the same passphrase only', () => {
    const home = tmpDir();
    const a = ctxAt(home, 'first passphrase');
    expect(a.vault().state()).toBe('none');
    const blob = a.sealer().seal(Buffer.from('private key bytes'));
    expect(blob.subarray(0, 9).toString()).toBe('WXS:env1:');
    expect(blob.includes(Buffer.from('private key bytes'))).toBe(false);
    expect(a.vault().state()).toBe('unlocked');
    expect(a.vault().slots()).toEqual([{ id: 1, kind: 'passphrase', label: '', created_at: expect.any(String), created_by: 'test' }]);

    expect(ctxAt(home, 'first passphrase').sealer().unseal(blob).toString()).toBe('private key bytes');
    expect(ctxAt(home).vault().state()).toBe('locked');
    expect(codeOf(() => ctxAt(home).sealer().unseal(blob))).toBe('KEY_PASSPHRASE_REQUIRED');
    expect(codeOf(() => ctxAt(home, 'second passphrase').sealer().unseal(blob))).toBe('KEYSTORE_PASSPHRASE_WRONG');
    // A damaged blob is a clean refusal.
    const bad = Buffer.from(blob);
    bad[bad.length - 1] ^= 1;
    expect(codeOf(() => ctxAt(home, 'first passphrase').sealer().unseal(bad))).toBe('KEY_UNSEAL_FAILED');
  });

  it('the app asks instead of naming the variable: KEYSTORE_NOT_SET_UP, then KEYSTORE_LOCKED', () => {
    const home = tmpDir();
    const app = ctxAt(home, 'env passphrase', { ask: true, holder: new DataKeyHolder() });
    // The app never unlocks from the environment lazily: only explicitly at start.
    expect(codeOf(() => app.sealer().seal(Buffer.from('x')))).toBe('KEYSTORE_NOT_SET_UP');
    ctxAt(home, 'a passphrase').sealer().seal(Buffer.from('x'));
    expect(codeOf(() => app.sealer().seal(Buffer.from('x')))).toBe('KEYSTORE_LOCKED');
    app.vault().unlock('a passphrase');
    expect(app.vault().state()).toBe('unlocked');
  });

  it('keeps the data key in memory only, zeroed on lock and when the CLI context closes', () => {
    const home = tmpDir();
    const holder = new DataKeyHolder();
    const ctx = ctxAt(home, 'pass phrase', { holder });
    const key = ctx.vault().open();
    expect(key.length).toBe(32);
    expect(key.every((b) => b === 0)).toBe(false);
    const copy = Buffer.from(key);
    ctx.vault().lock();
    expect(key.every((b) => b === 0)).toBe(true);
    expect(ctx.vault().state()).toBe('locked');
    for (const f of fs.readdirSync(home, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
      expect(fs.readFileSync(path.join(f.parentPath, f.name)).includes(copy), f.name).toBe(false);
    }
    const own = ctxAt(home, 'pass phrase');
    const k2 = own.vault().open();
    expect(k2.equals(copy)).toBe(true);
    own.close();
    open.splice(open.indexOf(own), 1);
    expect(k2.every((b) => b === 0)).toBe(true);
  });

  it('adds the keychain slot where the OS really keeps secrets, and that slot unlocks without a passphrase', () => {
    const home = tmpDir();
    const ss = fakeSafeStorage();
    const keychain = safeStorageKeychain(ss);
    const first = ctxAt(home, undefined, { ask: true, keychain }).vault();
    first.create('engineer passphrase');
    expect(first.slots().map((s) => s.kind)).toEqual(['passphrase', 'safeStorage']);
    const sealed = first.seal(Buffer.from('secret'));
    const later = ctxAt(home, undefined, { ask: true, keychain: safeStorageKeychain(fakeSafeStorage({ key: ss.key })) });
    expect(later.vault().state()).toBe('locked');
    expect(later.sealer().unseal(sealed).toString()).toBe('secret');
    expect(later.vault().state()).toBe('unlocked');
    // Another computer's keychain does not open it (and adds nothing while locked).
    const elsewhere = ctxAt(home, undefined, { ask: true, keychain: safeStorageKeychain(fakeSafeStorage()) });
    expect(elsewhere.vault().unlockWithKeychain()).toBe(false);
    expect(codeOf(() => elsewhere.sealer().unseal(sealed))).toBe('KEYSTORE_LOCKED');
  });

  it('Linux basic_text is no keychain: no slot, and the store stays locked until the passphrase', () => {
    const home = tmpDir();
    const ss = fakeSafeStorage({ backend: 'basic_text' });
    ctxAt(home, undefined, { ask: true, keychain: safeStorageKeychain(ss) }).vault().create('engineer passphrase');
    const later = ctxAt(home, undefined, { ask: true, keychain: safeStorageKeychain(fakeSafeStorage({ backend: 'basic_text', key: ss.key })) }).vault();
    expect(later.slots().map((s) => s.kind)).toEqual(['passphrase']);
    expect(later.unlockWithKeychain()).toBe(false);
    expect(later.state()).toBe('locked');
    expect(ss.calls).toEqual([]);
  });

  it('slots: add a passphrase (not a short or a known one), remove one, never the last passphrase slot', () => {
    const home = tmpDir();
    const v = ctxAt(home, 'first passphrase').vault();
    v.open();
    expect(codeOf(() => v.addPassphraseSlot('short'))).toBe('INPUT_INVALID');
    expect(codeOf(() => v.addPassphraseSlot('first passphrase'))).toBe('INPUT_INVALID');
    const added = v.addPassphraseSlot('second passphrase', 'backup');
    expect(added).toMatchObject({ id: 2, kind: 'passphrase', label: 'backup' });
    const sealed = v.seal(Buffer.from('k'));
    expect(ctxAt(home, 'second passphrase').sealer().unseal(sealed).toString()).toBe('k');
    expect(codeOf(() => v.removeSlot(9))).toBe('KEYSTORE_SLOT_NOT_FOUND');
    expect(v.removeSlot(1)).toMatchObject({ id: 1, kind: 'passphrase' });
    expect(codeOf(() => v.removeSlot(2))).toBe('KEYSTORE_LAST_SLOT');
    expect(codeOf(() => ctxAt(home, 'first passphrase').sealer().unseal(sealed))).toBe('KEYSTORE_PASSPHRASE_WRONG');
    expect(ctxAt(home, 'second passphrase').sealer().unseal(sealed).toString()).toBe('k');
  });
});

describe('keys sealed before the key store', () => {
  /** A data dir as the CLI left it before the key store: a key sealed WXS:pass1: with the passphrase. */
  function oldDataDir(passphrase: string) {
    const home = tmpDir();
    const ctx = ctxAt(home, passphrase);
    const pair = generateKeyPair();
    ctx.db.prepare("INSERT INTO products (product_id, model_name, created_at, created_by, origin) VALUES (7, 'M', 't', 'u', 'recorded')").run();
    new KeyStore(ctx.db).insert({
      product_id: 7,
      key_version: 1,
      public_key_pem: publicKeyPem(pair.publicKey),
      sealed_private_key: new PassphraseSealer(passphrase).seal(privateKeyDer(pair.privateKey)),
      origin: 'created',
      state: 'active',
      created_at: 't',
      created_by: 'u',
    });
    return home;
  }
  const blobKind = (ctx: CoreContext) => kindOf(new KeyStore(ctx.db).get(7)!.sealed_private_key!);

  it('a WXS:pass1: key still signs with its passphrase and is re-sealed WXS:env1: on the way', () => {
    const home = oldDataDir('old passphrase');
    const ctx = ctxAt(home, 'old passphrase');
    expect(blobKind(ctx)).toBe('pass1');
    const sig = new KeyService(ctx).signer(7).sign('D1');
    expect(new KeyService(ctx).verify(7, 'D1', sig).valid).toBe(true);
    expect(blobKind(ctx)).toBe('env1');
    expect(new KeyService(ctxAt(home, 'old passphrase')).verify(7, 'D2', new KeyService(ctxAt(home, 'old passphrase')).signer(7).sign('D2')).valid).toBe(true);
  });

  it('a store is never set up with a passphrase that does not open the keys already here', () => {
    const home = oldDataDir('old passphrase');
    expect(codeOf(() => new KeyService(ctxAt(home, 'typo passphrase')).signer(7))).toBe('KEY_UNSEAL_FAILED');
    const direct = ctxAt(home, 'typo passphrase').vault();
    expect(codeOf(() => direct.create('typo passphrase'))).toBe('KEYSTORE_LEGACY_MISMATCH');
    expect(direct.state()).toBe('none');
    expect(direct.slots()).toEqual([]);
    expect(blobKind(ctxAt(home))).toBe('pass1');
    new KeyService(ctxAt(home, 'old passphrase')).signer(7);
    expect(blobKind(ctxAt(home))).toBe('env1');
  });
});
