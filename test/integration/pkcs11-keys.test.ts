import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService } from '../../main/core/app/app-service.js';
import { dispatch } from '../../main/core/app/dispatch.js';
import { memoryKv } from '../../main/core/app/kv.js';
import { createContext } from '../../main/core/context.js';
import { decodeSignature, parsePublicKeyPem, verifyDeviceId } from '../../main/core/keys/ecdsa.js';
import { KeyStore } from '../../main/core/keys/key-store.js';
import { pkcs11js } from '../../main/core/keys/pkcs11/binding.js';
import { TokenSession } from '../../main/core/keys/pkcs11/token.js';
import { SimDevice } from '../../main/core/sim/device/index.js';
import { serveUnitOnTcp } from '../../main/core/sim/device/tcp-unit-port.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from '../helpers/cli.js';
import { listPrivateKeys, SOFTHSM_MODULE, softhsmReady, softhsmTokens, type SoftToken } from '../helpers/softhsm.js';
import { tmpDir } from '../helpers/tmp.js';
import { startCli } from '../helpers/crash.js';
import { until } from '../helpers/station.js';

// Product keys in a hardware token, with SoftHSM2 as the token (its own temp dir): made inside
// it and registered against the simulator, signing through C_Sign that openssl verifies, a
// unit flashed with it, the private key sensitive and never extractable as the token itself
// (pkcs11-tool) reports it, the PIN from the environment or the key store and never on disk in
// clear, and each refusal with its own code.

const ready = softhsmReady();
let sim: WechatSim;
let hsm: ReturnType<typeof softhsmTokens>;
let line1: SoftToken;
let spare: SoftToken;
/** Nothing in this process logs in to it but the refusals: a PKCS#11 login is the whole process's, so a wrong PIN is only refused by a token not logged in yet. */
let fresh: SoftToken;
/** The app's own: nothing else in this file opens it, so no session of this process is logged in to it. */
let appToken: SoftToken;

beforeAll(async () => {
  if (!ready) return;
  // Every token this process will see, made before anything loads the module.
  hsm = softhsmTokens(['line1', 'spare', 'fresh', 'app']);
  [line1, spare, fresh, appToken] = hsm.tokens;
  sim = await startWechatSim();
});
afterAll(async () => {
  await sim?.close();
  hsm?.remove();
});

const M = () => SOFTHSM_MODULE!;

async function station(o: { passphrase?: boolean } = {}) {
  const env: NodeJS.ProcessEnv = {
    WXPROV_HOME: tmpDir('wxprov-p11-'),
    WXPROV_API_BASE: sim.url,
    WXPROV_APPID: sim.appid,
    WXPROV_APPSECRET: sim.appsecret,
    WXPROV_OPERATOR: 'eng',
    ...(o.passphrase === false ? {} : { WXPROV_KEY_PASSPHRASE: 'token station passphrase' }),
  };
  const p = await cli(['product', 'create', '--en', 'Lamp', '--zh', '台灯', '--default-name', '台灯', '--model', 'LAMP-1', '--json'], env);
  expect(p.code, p.stderr).toBe(0);
  return { env, pid: p.json.product_id as number };
}

const createInToken = (env: NodeJS.ProcessEnv, pid: number, t: SoftToken, pin: string | undefined = t.pin) =>
  cli(['key', 'create', '--product', String(pid), '--pkcs11-module', M(), '--token-label', t.label, '--json'], { ...env, ...(pin === undefined ? {} : { WXPROV_PKCS11_PIN: pin }) });

function opensslVerifies(pem: string, message: string, signatureB64: string): boolean {
  const dir = tmpDir('wxprov-p11-openssl-');
  fs.writeFileSync(path.join(dir, 'pub.pem'), pem);
  fs.writeFileSync(path.join(dir, 'msg'), message);
  fs.writeFileSync(path.join(dir, 'sig.der'), Buffer.from(signatureB64, 'base64'));
  try {
    return /Verified OK/.test(execFileSync('openssl', ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'msg'], { cwd: dir, encoding: 'utf8' }));
  } catch {
    return false;
  }
}

describe.runIf(ready)('product keys in a PKCS#11 token (SoftHSM2)', () => {
  it('key create makes the pair inside the token, registers its public key, and records where it is, never what', async () => {
    const { env, pid } = await station();
    const r = await createInToken(env, pid, line1);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ product_id: pid, key_version: 1, key_store: 'pkcs11', pkcs11: { module: M(), token_label: 'line1', token_serial: line1.serial } });
    expect(r.json.pkcs11.key_id).toMatch(/^[0-9a-f]{32}$/);
    // The simulator holds the registered public key; it is the token's.
    expect(sim.state.products.get(pid)!.pubkeys.get(1)).toBe(r.json.public_key_pem);
    const ctx = createContext({ env });
    try {
      const row = new KeyStore(ctx.db).get(pid)!;
      expect(row).toMatchObject({ key_store: 'pkcs11', sealed_private_key: null, pkcs11_key_id: r.json.pkcs11.key_id });
    } finally {
      ctx.close();
    }
    const list = await cli(['key', 'list', '--json'], env);
    expect(list.json.keys[0]).toMatchObject({ key_store: 'pkcs11', pkcs11_token_label: 'line1' });

    // What the token itself says: sensitive from birth, never extractable, made on the token.
    const objects = listPrivateKeys(hsm.conf, line1);
    expect(objects).toMatch(new RegExp(`label:\\s+wxprov product ${pid}`));
    expect(objects).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
    // And through the binding: the attributes, and the value refused.
    const s = TokenSession.open({ module: M(), token_label: 'line1' }, line1.pin);
    try {
      const k = s.findKey({ key_id: r.json.pkcs11.key_id });
      expect(s.protection(k.handle)).toEqual({ sensitive: true, extractable: false });
      const p11 = pkcs11js();
      expect(() => s.m.C_GetAttributeValue(s.handle, k.handle, [{ type: p11.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      expect(k.public_key_pem).toBe(r.json.public_key_pem);
    } finally {
      s.close();
    }
  });

  it('signs through the token: one-line base64 DER that openssl verifies; later runs take the PIN from the key store; no PIN on disk', async () => {
    const { env, pid } = await station();
    const made = await createInToken(env, pid, line1);
    expect(made.code, made.stderr).toBe(0);
    // No WXPROV_PKCS11_PIN now: the key store kept the one that worked.
    const r = await cli(['sign', '--product', String(pid), '--device-id', 'TOKEN_0001', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.signature).not.toMatch(/\s/);
    expect(decodeSignature(r.json.signature)[0]).toBe(0x30);
    expect(opensslVerifies(made.json.public_key_pem, `${pid}_TOKEN_0001`, r.json.signature)).toBe(true);
    expect(opensslVerifies(made.json.public_key_pem, `${pid}_TOKEN_0002`, r.json.signature)).toBe(false);
    // ECDSA is randomised: a second signature differs and verifies too (the token signs, nothing cached).
    const again = await cli(['sign', '--product', String(pid), '--device-id', 'TOKEN_0001', '--json'], env);
    expect(again.json.signature).not.toBe(r.json.signature);
    expect(opensslVerifies(made.json.public_key_pem, `${pid}_TOKEN_0001`, again.json.signature)).toBe(true);
    const check = await cli(['verify', '--product', String(pid), '--device-id', 'TOKEN_0001', '--signature', r.json.signature, '--json'], env);
    expect(check.json).toMatchObject({ valid: true });
    // The PIN is nowhere in the data dir in clear (it is sealed in the key store), nor in the log.
    for (const f of walk(env.WXPROV_HOME!)) expect(fs.readFileSync(f).includes(Buffer.from(line1.pin)), f).toBe(false);
  });

  it('a unit flashed with a token key PASSes: the station verifies the read-back signature with the registered key', async () => {
    const { env, pid } = await station();
    expect((await createInToken(env, pid, line1)).code).toBe(0);
    expect((await cli(['config', 'set', 'station_code', 'T1'], env)).code).toBe(0);
    const jig = await serveUnitOnTcp();
    const unit = await SimDevice.boot(jig.unit, { hwid: 'HWTOKEN1', commitMs: 20 });
    try {
      const r = await cli(['flash', '--port', jig.spec, '--product', String(pid), '--json'], env);
      expect(r.json, r.stderr).toMatchObject({ result: 'PASS', hwid: 'HWTOKEN1', key_version: 1 });
      const id = unit.identity()!;
      const pub = parsePublicKeyPem(sim.state.products.get(pid)!.pubkeys.get(1)!);
      expect(verifyDeviceId(pub, pid, id.device_id, id.signature)).toBe(true);
    } finally {
      unit.stop();
      await jig.close();
    }
  });

  it('signs a file of 100,000 ids through a pool of sessions; every signature verifies', { timeout: 240_000 }, async () => {
    const { env, pid } = await station();
    const made = await createInToken(env, pid, line1);
    const file = path.join(tmpDir('wxprov-p11-batch-'), 'ids.csv');
    const ids = Array.from({ length: 100_000 }, (_, i) => `B${String(i).padStart(7, '0')}`);
    fs.writeFileSync(file, `device_id\n${ids.join('\n')}\n`);
    const r = await cli(['sign', '--product', String(pid), '--file', file, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toEqual({ signed: 100_000, invalid: 0, key_version: 1 });
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toBe('device_id,signature');
    expect(rows).toHaveLength(100_001);
    const pub = parsePublicKeyPem(made.json.public_key_pem);
    for (let i = 1; i < rows.length; i++) {
      const [id, sig] = rows[i].split(',');
      expect(id).toBe(ids[i - 1]);
      if (!verifyDeviceId(pub, pid, id, sig)) throw new Error(`row ${i}: ${rows[i]} does not verify`);
    }
  });

  it('adopts a key already in the token (made there by pkcs11-tool) by its label, as the key version it is registered as', async () => {
    const { env, pid } = await station();
    execFileSync('pkcs11-tool', ['--module', M(), '--token-label', 'spare', '--login', '--pin', spare.pin, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'vendor-key', '--id', 'a1b2'], {
      env: { ...process.env, SOFTHSM2_CONF: hsm.conf },
      stdio: 'pipe',
    });
    const r = await cli(['key', 'import', '--product', String(pid), '--key-version', '3', '--pkcs11-module', M(), '--token-label', 'spare', '--key-label', 'vendor-key', '--json'], {
      ...env,
      WXPROV_PKCS11_PIN: spare.pin,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ key_version: 3, key_store: 'pkcs11', pkcs11: { token_label: 'spare', key_id: 'a1b2' } });
    const s = await cli(['sign', '--product', String(pid), '--device-id', 'VENDOR_1', '--json'], { ...env, WXPROV_PKCS11_PIN: spare.pin });
    expect(s.json.key_version).toBe(3);
    expect(opensslVerifies(r.json.public_key_pem, `${pid}_VENDOR_1`, s.json.signature)).toBe(true);

    // A key a tool made with no CKA_ID is given one on adoption, on both halves, and found by it from then on.
    execFileSync('pkcs11-tool', ['--module', M(), '--token-label', 'spare', '--login', '--pin', spare.pin, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'no-id-key'], {
      env: { ...process.env, SOFTHSM2_CONF: hsm.conf },
      stdio: 'pipe',
    });
    const noId = await cli(['key', 'import', '--product', String(pid), '--key-version', '4', '--pkcs11-module', M(), '--token-label', 'spare', '--key-label', 'no-id-key', '--json'], {
      ...env,
      WXPROV_PKCS11_PIN: spare.pin,
    });
    expect(noId.json.pkcs11.key_id).toMatch(/^[0-9a-f]{32}$/);
    expect(listPrivateKeys(hsm.conf, spare)).toMatch(new RegExp(`label:\\s+no-id-key\\s+ID:\\s+${noId.json.pkcs11.key_id}`));
    const s4 = await cli(['sign', '--product', String(pid), '--device-id', 'VENDOR_2', '--json'], { ...env, WXPROV_PKCS11_PIN: spare.pin });
    expect(s4.json.key_version).toBe(4);
    expect(opensslVerifies(noId.json.public_key_pem, `${pid}_VENDOR_2`, s4.json.signature)).toBe(true);
  });

  it('the app signs with a token key once its key store is unlocked by its prompt: the PIN is the one the store kept', async () => {
    const { env, pid } = await station();
    const made = await createInToken(env, pid, appToken);
    expect(made.code, made.stderr).toBe(0);
    // The app: no WXPROV_PKCS11_PIN, no passphrase in its environment; the engineer unlocks.
    const app = await createAppService({ home: env.WXPROV_HOME!, env: { WXPROV_API_BASE: sim.url, WXPROV_OPERATOR: 'eng' }, kv: memoryKv(), shell: 'browser' });
    try {
      const call = (name: string, input?: unknown) => dispatch(app.handlers, name, input);
      expect(await call('app.chooseMode', { mode: 'real' })).toMatchObject({ ok: true, value: { keystore: { state: 'locked' } } });
      const locked = await call('tools.sign', { product_id: pid, device_id: 'APP_TOKEN_1' });
      expect(locked).toMatchObject({ ok: false, error: { code: 'KEYSTORE_LOCKED' } });
      expect(await call('keystore.unlock', { passphrase: 'token station passphrase' })).toMatchObject({ ok: true });
      const signed = await call('tools.sign', { product_id: pid, device_id: 'APP_TOKEN_1' });
      expect(signed.ok, JSON.stringify(signed)).toBe(true);
      const sig = (signed as { value: { signature: string } }).value.signature;
      expect(opensslVerifies(made.json.public_key_pem, `${pid}_APP_TOKEN_1`, sig)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('refusals name what is wrong: module, token, PIN, key, and no PIN at all', async () => {
    const { env, pid } = await station();
    const code = (r: { json?: { error?: { code: string } } }) => r.json?.error?.code;
    const missing = await cli(['key', 'create', '--product', String(pid), '--pkcs11-module', '/nowhere/libnothing.so', '--token-label', 'line1', '--json'], { ...env, WXPROV_PKCS11_PIN: line1.pin });
    expect(code(missing)).toBe('PKCS11_MODULE_NOT_FOUND');
    const noToken = await cli(['key', 'create', '--product', String(pid), '--pkcs11-module', M(), '--token-label', 'no-such-token', '--json'], { ...env, WXPROV_PKCS11_PIN: line1.pin });
    expect(code(noToken)).toBe('PKCS11_TOKEN_NOT_FOUND');
    expect(noToken.json.error.engineer_en).toMatch(/line1 \(/); // the tokens that are there
    const wrongPin = await createInToken(env, pid, fresh, '000000');
    expect(code(wrongPin)).toBe('PKCS11_PIN_INCORRECT');
    expect(JSON.stringify(wrongPin.json)).not.toContain('000000');
    const noPin = await cli(['key', 'create', '--product', String(pid), '--pkcs11-module', M(), '--token-label', 'fresh', '--json'], env);
    expect(code(noPin)).toBe('PKCS11_PIN_REQUIRED');
    const noKey = await cli(['key', 'import', '--product', String(pid), '--key-version', '9', '--pkcs11-module', M(), '--token-label', 'line1', '--key-label', 'nobody', '--json'], {
      ...env,
      WXPROV_PKCS11_PIN: line1.pin,
    });
    expect(code(noKey)).toBe('PKCS11_KEY_NOT_FOUND');
    const half = await cli(['key', 'create', '--product', String(pid), '--token-label', 'line1', '--json'], env);
    expect(half.code).toBe(2);
    expect(code(half)).toBe('INPUT_MISSING');
    const relative = await cli(['key', 'create', '--product', String(pid), '--pkcs11-module', 'libsofthsm2.so', '--token-label', 'line1', '--json'], env);
    expect(relative.json.error).toMatchObject({ code: 'INPUT_INVALID', params: { field: '--pkcs11-module' } });
    // Nothing was recorded by any of them.
    expect((await cli(['key', 'list', '--json'], env)).json.keys).toEqual([]);
  });
});

describe.runIf(ready)('a token pulled out in the middle of a batch', () => {
  it('stops with PKCS11_TOKEN_REMOVED, exit 1; every row written before is whole and verifies', { timeout: 180_000 }, async () => {
    // Its own token dir, in a process of its own: this one's module never sees it.
    const pulled = softhsmTokens(['pullme'], { removable: true, env: false });
    try {
      const [t] = pulled.tokens;
      const { env, pid } = await station();
      const childEnv = { ...env, SOFTHSM2_CONF: pulled.conf, WXPROV_PKCS11_PIN: t.pin };
      const made = startCli(['key', 'create', '--product', String(pid), '--pkcs11-module', M(), '--token-label', 'pullme', '--json'], childEnv);
      const exit = await made.exited;
      expect(exit.code, made.stderr()).toBe(0);
      const pem = JSON.parse(made.stdout()).public_key_pem as string;
      const file = path.join(tmpDir('wxprov-p11-pull-'), 'ids.txt');
      fs.writeFileSync(file, Array.from({ length: 60_000 }, (_, i) => `P${String(i).padStart(7, '0')}`).join('\n') + '\n');
      const batch = startCli(['sign', '--product', String(pid), '--file', file, '--json'], childEnv);
      await until(() => batch.stdout().split('\n').length > 3000 || batch.done(), 60_000, 'the batch under way');
      expect(batch.done(), batch.stderr()).toBe(false);
      fs.rmSync(pulled.dir, { recursive: true, force: true }); // the token's objects gone, as when it is pulled out
      const end = await batch.exited;
      expect(end.code).toBe(1);
      expect(batch.stderr()).toMatch(/^error PKCS11_TOKEN_REMOVED: Hardware key token "pullme" was removed/m);
      // With --json the error document follows the rows, from a line of its own: no row cut short.
      const lines = batch.stdout().split('\n');
      const doc = lines.findIndex((l) => l.startsWith('{'));
      expect(JSON.parse(lines.slice(doc).join('\n')).error).toMatchObject({ code: 'PKCS11_TOKEN_REMOVED' });
      const rows = lines.slice(1, doc);
      expect(rows.length).toBeGreaterThan(3000);
      expect(rows.length).toBeLessThan(60_000);
      const pub = parsePublicKeyPem(pem);
      for (const [i, row] of rows.entries()) {
        const [id, sig] = row.split(',');
        expect(id).toBe(`P${String(i).padStart(7, '0')}`);
        if (!verifyDeviceId(pub, pid, id, sig)) throw new Error(`row ${i + 1}: ${row} does not verify`);
      }
    } finally {
      pulled.remove();
    }
  });
});

function* walk(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

