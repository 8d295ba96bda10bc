import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../preload/contract.js';
import { createAppService, type AppService } from '../../main/core/app/app-service.js';
import { dispatch } from '../../main/core/app/dispatch.js';
import { jsonFileKv } from '../../main/core/app/kv.js';
import { createContext } from '../../main/core/context.js';
import { KeyStore } from '../../main/core/keys/key-store.js';
import { PassphraseSealer } from '../../main/core/keys/passphrase-sealer.js';
import { frame, unframe } from '../../main/core/keys/sealer.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { safeStorageKeychain, safeStorageLegacyOpener } from '../../main/safe-storage-keychain.js';
import { cliAsync } from '../helpers/cli-async.js';
import { cli } from '../helpers/cli.js';
import { fakeSafeStorage, type FakeSafeStorage } from '../helpers/fake-safe-storage.js';
import { readTree, tmpDir } from '../helpers/tmp.js';

// One key store for the app and the CLI (issue 9): the app service with a safeStorage
// stand-in that really encrypts, the CLI as a real process, one data dir on real SQLite, the
// simulator on loopback for the AppSecret.

let sim: WechatSim;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());

const open: AppService[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
});

async function startApp(home: string, ss: FakeSafeStorage, env: NodeJS.ProcessEnv = {}) {
  const app = await createAppService({
    home,
    env: { WXPROV_API_BASE: sim.url, WXPROV_OPERATOR: 'eng', ...env },
    kv: jsonFileKv(path.join(home, 'app-settings.json')),
    keychain: safeStorageKeychain(ss),
    legacyOpeners: [safeStorageLegacyOpener(ss)],
    shell: 'electron',
  });
  open.push(app);
  const answers: Result<unknown>[] = [];
  const call = async (name: string, input?: unknown): Promise<Result<any>> => {
    const r = await dispatch(app.handlers, name, input);
    answers.push(r);
    return r;
  };
  const ok = async (name: string, input?: unknown): Promise<any> => {
    const r = await call(name, input);
    if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  const err = async (name: string, input?: unknown) => {
    const r = await call(name, input);
    if (r.ok) throw new Error(`${name} answered ${JSON.stringify(r.value)}`);
    return r.error;
  };
  const close = async () => {
    open.splice(open.indexOf(app), 1);
    await app.close();
  };
  return { ok, err, answers, close };
}

const verifies = (pem: string, pid: number, id: string, sig: string) => crypto.verify('sha256', Buffer.from(`${pid}_${id}`), pem, Buffer.from(sig, 'base64'));
const blobKind = (home: string, pid: number) => {
  const ctx = createContext({ env: { WXPROV_HOME: home } });
  try {
    return unframe(new KeyStore(ctx.db).get(pid)!.sealed_private_key!)?.kind;
  } finally {
    ctx.close();
  }
};

async function importedKey(home: string, pid: number, passphrase: string) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const file = path.join(home, `k${pid}.pem`);
  fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const r = await cliAsync(['key', 'import', '--product', String(pid), '--key-version', '1', '--private-key', file, '--json'], { WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: passphrase });
  expect(r.code, r.stderr).toBe(0);
  fs.rmSync(file);
  return { privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

describe('a key made in the app signs from the CLI, and the CLI uses the AppSecret the app saved', () => {
  it('app (keychain) → key store set up in the UI → key created → the CLI process signs with the passphrase; restarted, the keychain unlocks it', async () => {
    const home = tmpDir('wxprov-ks-');
    const pass = 'app passphrase, long enough';
    const ss = fakeSafeStorage();
    const a = await startApp(home, ss);

    expect((await a.ok('app.chooseMode', { mode: 'real' })).keystore).toEqual({ state: 'none', keychain: true });
    expect((await a.err('credentials.set', { appid: sim.appid, appsecret: sim.appsecret })).code).toBe('KEYSTORE_NOT_SET_UP');
    expect((await a.err('keystore.setup', { passphrase: 'short' })).code).toBe('INPUT_INVALID');
    expect((await a.err('keystore.unlock', { passphrase: pass })).code).toBe('KEYSTORE_NOT_SET_UP');
    expect((await a.ok('keystore.setup', { passphrase: pass })).keystore).toEqual({ state: 'unlocked', keychain: true });
    expect((await a.err('keystore.setup', { passphrase: pass })).code).toBe('KEYSTORE_EXISTS');
    const status = await a.ok('keystore.status');
    expect(status.slots.map((s: { kind: string }) => s.kind)).toEqual(['passphrase', 'safeStorage']);
    expect(Object.keys(status.slots[0]).sort()).toEqual(['created_at', 'created_by', 'id', 'kind', 'label']);

    await a.ok('credentials.set', { appid: sim.appid, appsecret: sim.appsecret });
    const p = await a.ok('products.create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-1' });
    const k = await a.ok('keys.create', { product_id: p.product_id });
    expect(blobKind(home, p.product_id)).toBe('env1');

    // The CLI, a separate process on the same data dir, with the passphrase only.
    const cliEnv = { WXPROV_HOME: home, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: pass };
    const s = await cliAsync(['sign', '--product', String(p.product_id), '--device-id', 'APP1', '--json'], cliEnv);
    expect(s.code, s.stderr).toBe(0);
    expect(verifies(k.public_key_pem, p.product_id, 'APP1', s.json.signature)).toBe(true);
    expect((await cliAsync(['sign', '--product', String(p.product_id), '--device-id', 'APP1'], { ...cliEnv, WXPROV_KEY_PASSPHRASE: '' })).stderr).toMatch(/^error KEY_PASSPHRASE_REQUIRED/);
    expect((await cliAsync(['sign', '--product', String(p.product_id), '--device-id', 'APP1'], { ...cliEnv, WXPROV_KEY_PASSPHRASE: 'not it at all' })).stderr).toMatch(/^error KEY_UNSEAL_FAILED/);

    // The AppSecret the app saved: used by the CLI when it unlocks the store; the environment wins.
    const token = await cliAsync(['token', '--json'], cliEnv);
    expect(token.code, token.stderr).toBe(0);
    expect(token.json).toMatchObject({ ok: true, appid: sim.appid });
    const envWins = await cli(['token'], { ...cliEnv, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: 'the environment wins' });
    expect(envWins.code).toBe(1);
    expect(envWins.stderr).toMatch(/^error WX_/);
    expect((await cli(['token'], { ...cliEnv, WXPROV_KEY_PASSPHRASE: '' })).stderr).toMatch(/^error CONFIG_MISSING: .*WXPROV_APPSECRET/);
    expect((await cli(['token'], { ...cliEnv, WXPROV_APPID: 'wx0000000000000000' })).stderr).toMatch(/^error CONFIG_MISSING: .*WXPROV_APPSECRET/);
    expect((await cli(['token'], { ...cliEnv, WXPROV_KEY_PASSPHRASE: 'not it at all' })).stderr).toMatch(/^error KEYSTORE_PASSPHRASE_WRONG/);

    // Restarted (same OS user: same keychain), nobody types anything.
    await a.close();
    const b = await startApp(home, fakeSafeStorage({ key: ss.key }));
    expect((await b.ok('app.state')).keystore).toEqual({ state: 'unlocked', keychain: true });
    const again = await b.ok('tools.sign', { product_id: p.product_id, device_id: 'APP2' });
    expect(verifies(k.public_key_pem, p.product_id, 'APP2', again.signature)).toBe(true);
    expect(await b.ok('credentials.test')).toMatchObject({ mode: 'stable' });
    await b.close();

    // Nothing secret in clear in the data dir: not the AppSecret, the passphrase, the private key or the data key.
    const ctx = createContext({ env: { WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: pass } });
    const dataKey = Buffer.from(ctx.vault().open());
    const der = ctx.sealer().unseal(new KeyStore(ctx.db).get(p.product_id)!.sealed_private_key!);
    ctx.close();
    const key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const needles = [Buffer.from(sim.appsecret), Buffer.from(pass), der, Buffer.from(der.toString('base64')), Buffer.from(key.export({ format: 'jwk' }).d!), dataKey, Buffer.from(dataKey.toString('base64'))];
    const files = readTree(home);
    expect(files.some((f) => f.file.endsWith('wxprov.db'))).toBe(true);
    for (const f of files) for (const n of needles) expect(f.bytes.includes(n), `${f.file}`).toBe(false);
    for (const r of [...a.answers, ...b.answers]) expect(JSON.stringify(r)).not.toContain(pass);
  });
});

describe('a key made by the CLI signs in the app', () => {
  it('CLI key import → the app asks for the passphrase once, adds its keychain slot, signs; restarted, the keychain alone unlocks it', async () => {
    const home = tmpDir('wxprov-ks-');
    const pass = 'cli passphrase';
    const { privateKey } = await importedKey(home, 555, pass);
    const ss = fakeSafeStorage();
    const a = await startApp(home, ss);

    expect((await a.ok('app.chooseMode', { mode: 'real' })).keystore).toEqual({ state: 'locked', keychain: true });
    expect((await a.err('tools.sign', { product_id: 555, device_id: 'CLI1' })).code).toBe('KEYSTORE_LOCKED');
    expect((await a.err('keystore.unlock', { passphrase: 'a wrong one' })).code).toBe('KEYSTORE_PASSPHRASE_WRONG');
    expect((await a.ok('keystore.unlock', { passphrase: pass })).keystore.state).toBe('unlocked');
    const s = await a.ok('tools.sign', { product_id: 555, device_id: 'CLI1' });
    expect(crypto.verify('sha256', Buffer.from('555_CLI1'), privateKey, Buffer.from(s.signature, 'base64'))).toBe(true);
    await a.close();

    const slots = await cliAsync(['key', 'slots', '--json'], { WXPROV_HOME: home });
    expect(slots.code).toBe(0);
    expect(slots.json).toMatchObject({ set_up: true, slots: [{ id: 1, kind: 'passphrase' }, { id: 2, kind: 'safeStorage', label: expect.stringMatching(/^safeStorage gnome_libsecret on /) }] });
    expect(slots.stdout).not.toMatch(/wrapped|params|salt/);

    const b = await startApp(home, fakeSafeStorage({ key: ss.key }));
    expect((await b.ok('app.chooseMode', { mode: 'real' })).keystore.state).toBe('unlocked');
    const s2 = await b.ok('tools.sign', { product_id: 555, device_id: 'CLI2' });
    expect(crypto.verify('sha256', Buffer.from('555_CLI2'), privateKey, Buffer.from(s2.signature, 'base64'))).toBe(true);
  });
});

describe('Linux without a keyring (basic_text) counts as no keychain', () => {
  it('the app asks for the passphrase (set, then at every start) and never puts a slot in the fallback', async () => {
    const home = tmpDir('wxprov-ks-');
    const ss = fakeSafeStorage({ backend: 'basic_text' });
    const a = await startApp(home, ss);
    expect((await a.ok('app.chooseMode', { mode: 'real' })).keystore).toEqual({ state: 'none', keychain: false });
    expect((await a.err('keys.import', { product_id: 9, key_version: 1, private_key_pem: 'x' })).code).toBe('KEY_BAD_PEM');
    const pem = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect((await a.err('keys.import', { product_id: 9, key_version: 1, private_key_pem: pem })).code).toBe('KEYSTORE_NOT_SET_UP');
    await a.ok('keystore.setup', { passphrase: 'engineer passphrase' });
    await a.ok('keys.import', { product_id: 9, key_version: 1, private_key_pem: pem });
    expect((await a.ok('keystore.status')).slots.map((s: { kind: string }) => s.kind)).toEqual(['passphrase']);
    await a.close();

    const b = await startApp(home, fakeSafeStorage({ backend: 'basic_text', key: ss.key }));
    expect((await b.ok('app.state')).keystore).toEqual({ state: 'locked', keychain: false });
    expect((await b.err('tools.sign', { product_id: 9, device_id: 'B1' })).code).toBe('KEYSTORE_LOCKED');
    await b.ok('keystore.unlock', { passphrase: 'engineer passphrase' });
    expect((await b.ok('tools.sign', { product_id: 9, device_id: 'B1' })).signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(ss.calls).toEqual([]);
  });
});

describe('data dirs from before the key store keep working', () => {
  it('a CLI key sealed WXS:pass1: signs as before; the app sets the store up only with its passphrase, and it is re-sealed', async () => {
    const home = tmpDir('wxprov-ks-');
    const old = 'old cli passphrase';
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ctx = createContext({ env: { WXPROV_HOME: home } });
    ctx.db.prepare("INSERT INTO products (product_id, model_name, created_at, created_by, origin) VALUES (321, 'M', 't', 'u', 'recorded')").run();
    new KeyStore(ctx.db).insert({
      product_id: 321,
      key_version: 2,
      public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      sealed_private_key: new PassphraseSealer(old).seal(privateKey.export({ type: 'pkcs8', format: 'der' })),
      origin: 'imported',
      state: 'active',
      created_at: 't',
      created_by: 'u',
    });
    ctx.close();
    expect(blobKind(home, 321)).toBe('pass1');

    const a = await startApp(home, fakeSafeStorage());
    expect((await a.ok('app.chooseMode', { mode: 'real' })).keystore.state).toBe('none');
    expect(await a.err('keystore.setup', { passphrase: 'a brand new passphrase' })).toMatchObject({ code: 'KEYSTORE_LEGACY_MISMATCH', params: { product_id: 321 } });
    expect(blobKind(home, 321)).toBe('pass1');
    await a.ok('keystore.setup', { passphrase: old });
    expect(blobKind(home, 321)).toBe('env1');
    const s = await a.ok('tools.sign', { product_id: 321, device_id: 'OLD1' });
    expect(crypto.verify('sha256', Buffer.from('321_OLD1'), publicKey, Buffer.from(s.signature, 'base64'))).toBe(true);
    const c = await cliAsync(['sign', '--product', '321', '--device-id', 'OLD2', '--json'], { WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: old });
    expect(c.code, c.stderr).toBe(0);
    expect(crypto.verify('sha256', Buffer.from('321_OLD2'), publicKey, Buffer.from(c.json.signature, 'base64'))).toBe(true);
  });

  it("the app's WXS:safe1: key and AppSecret move into the key store at the first unlock, and the CLI can use both", async () => {
    const home = tmpDir('wxprov-ks-');
    const ss = fakeSafeStorage();
    const oldSeal = (plain: Buffer) => frame('safe1', ss.encryptString(plain.toString('base64')));
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ctx = createContext({ env: { WXPROV_HOME: home } });
    ctx.db.prepare("INSERT INTO products (product_id, model_name, created_at, created_by, origin) VALUES (654, 'M', 't', 'u', 'recorded')").run();
    new KeyStore(ctx.db).insert({
      product_id: 654,
      key_version: 1,
      public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      sealed_private_key: oldSeal(privateKey.export({ type: 'pkcs8', format: 'der' })),
      origin: 'created',
      state: 'active',
      created_at: 't',
      created_by: 'u',
    });
    ctx.close();
    const kvFile = path.join(home, 'app-settings.json');
    fs.writeFileSync(kvFile, JSON.stringify({ mode: 'real', appid: sim.appid, appsecret_sealed: oldSeal(Buffer.from(sim.appsecret)).toString('base64') }));

    const a = await startApp(home, ss);
    expect(await a.ok('app.state')).toMatchObject({ mode: 'real', credentials: { appid: sim.appid, has_secret: true }, keystore: { state: 'none', keychain: true } });
    await a.ok('keystore.setup', { passphrase: 'new store passphrase' });
    expect(blobKind(home, 654)).toBe('env1');
    expect(JSON.parse(fs.readFileSync(kvFile, 'utf8'))).not.toHaveProperty('appsecret_sealed');
    expect((await a.ok('app.state')).credentials).toEqual({ appid: sim.appid, has_secret: true });
    expect(await a.ok('credentials.test')).toMatchObject({ mode: 'stable' });
    await a.close();

    const env = { WXPROV_HOME: home, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: 'new store passphrase' };
    const s = await cliAsync(['sign', '--product', '654', '--device-id', 'SAFE1', '--json'], env);
    expect(s.code, s.stderr).toBe(0);
    expect(crypto.verify('sha256', Buffer.from('654_SAFE1'), publicKey, Buffer.from(s.json.signature, 'base64'))).toBe(true);
    const t = await cliAsync(['token', '--json'], env);
    expect(t.code, t.stderr).toBe(0);
    expect(t.json).toMatchObject({ ok: true, appid: sim.appid });
  });
});
