import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

// The `wxprov` contract as issue 2 spells it: command names, flags, JSON keys, exit codes,
// one-line errors. Driven in-process against the real simulator over loopback HTTP.

let sim: WechatSim;
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  home = tmpDir();
  env = {
    WXPROV_HOME: home,
    WXPROV_API_BASE: sim.url,
    WXPROV_APPID: sim.appid,
    WXPROV_APPSECRET: sim.appsecret,
    WXPROV_KEY_PASSPHRASE: 'correct horse battery staple',
    WXPROV_OPERATOR: 'tester',
  };
});

const calls = (endpoint: string) => sim.state.calls.filter((c) => c.endpoint === endpoint).length;
const names = (tag: string) => ['--en', `Speaker ${tag}`, '--zh', `音箱${tag}`, '--default-name', '音箱', '--model', 'SPK-1'];

async function productWithKey(tag: string): Promise<number> {
  const p = await cli(['product', 'create', ...names(tag), '--json'], env);
  expect(p.code).toBe(0);
  const k = await cli(['key', 'create', '--product', String(p.json.product_id), '--json'], env);
  expect(k.code).toBe(0);
  return p.json.product_id;
}

describe('wxprov token', () => {
  it('checks the credentials and never prints the token', async () => {
    const r = await cli(['token', '--json'], env);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ ok: true, appid: sim.appid, mode: 'stable' });
    expect(r.json.expires_in).toBeGreaterThan(0);
    expect(JSON.stringify(r.json)).not.toMatch(/access_token/);
    expect(r.stdout).not.toContain(sim.appsecret);
  });

  it('names the missing setting', async () => {
    const r = await cli(['token'], { ...env, WXPROV_APPSECRET: '' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error CONFIG_MISSING: .*WXPROV_APPSECRET/);
  });

  it('reports bad credentials with the platform errcode on one line, not retried', async () => {
    const before = calls('stable_token');
    const r = await cli(['token', '--json'], { ...env, WXPROV_APPSECRET: 'f'.repeat(32) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error WX_BAD_APPSECRET \(errcode 40125\): /);
    expect(r.json.error).toMatchObject({ code: 'WX_BAD_APPSECRET', errcode: 40125 });
    expect(r.json.error.message_zh).toBeTruthy();
    expect(calls('stable_token') - before).toBe(1);
  });
});

describe('wxprov product', () => {
  it('creates once per intent: the same names answer from the records', async () => {
    const before = calls('createproduct');
    const a = await cli(['product', 'create', ...names('A'), '--json'], env);
    expect(a.code).toBe(0);
    expect(typeof a.json.product_id).toBe('number');
    expect(a.json).toMatchObject({ model_name: 'SPK-1', existing: false });
    const b = await cli(['product', 'create', ...names('A'), '--json'], env);
    expect(b.json).toMatchObject({ product_id: a.json.product_id, existing: true });
    expect(calls('createproduct') - before).toBe(1);
    const list = await cli(['product', 'list', '--json'], env);
    expect(list.json.products).toEqual([expect.objectContaining({ product_id: a.json.product_id, chinese_name: '音箱A', model_name: 'SPK-1' })]);
  });

  it('does not send again when the outcome is unknown, until --force', async () => {
    sim.inject({ endpoint: 'createproduct', kind: 'drop' });
    const before = calls('createproduct');
    const lost = await cli(['product', 'create', ...names('B'), '--json'], env);
    expect(lost.code).toBe(1);
    expect(lost.json.error.code).toBe('PRODUCT_CREATE_OUTCOME_UNKNOWN');
    expect(lost.stderr).toMatch(/--force/);
    const again = await cli(['product', 'create', ...names('B')], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error PRODUCT_CREATE_PENDING/);
    expect(calls('createproduct') - before).toBe(1);
    const forced = await cli(['product', 'create', ...names('B'), '--force', '--json'], env);
    expect(forced.code).toBe(0);
    expect(calls('createproduct') - before).toBe(2);
    // The dropped call did create a product at the platform: that is exactly why we asked.
    expect(sim.state.products.has(forced.json.product_id - 1)).toBe(true);
  });

  it('refuses a missing field with its flag and the usage, exit 2', async () => {
    const r = await cli(['product', 'create', '--en', 'x', '--zh', 'y', '--default-name', 'z'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error INPUT_MISSING: --model is missing/);
  });

  it('records a product made elsewhere without calling', async () => {
    const before = sim.state.calls.length;
    const r = await cli(['product', 'add', '--product', '777', '--model', 'X-9', '--json'], env);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ product_id: 777, model_name: 'X-9', origin: 'recorded' });
    expect(sim.state.calls.length).toBe(before);
  });
});

describe('wxprov key, sign, verify', () => {
  it('creates a key, registers its public half, exports only the public key', async () => {
    const p = await cli(['product', 'create', ...names('K'), '--json'], env);
    const pid = p.json.product_id;
    const k = await cli(['key', 'create', '--product', String(pid), '--json'], env);
    expect(k.code).toBe(0);
    expect(Object.keys(k.json).sort()).toEqual(['key_version', 'product_id', 'public_key_pem']);
    expect(k.json.public_key_pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(sim.state.products.get(pid)!.pubkeys.get(k.json.key_version)).toBe(k.json.public_key_pem);
    const pub = await cli(['key', 'export', '--product', String(pid), '--public'], env);
    expect(pub.stdout).toBe(k.json.public_key_pem);
    const priv = await cli(['key', 'export', '--product', String(pid)], env);
    expect(priv.code).toBe(2); // bad usage: --public is the only form there is
    expect(priv.stderr).toMatch(/^error KEY_EXPORT_PRIVATE_REFUSED/);
  });

  it('signs one id and verifies it; a wrong id does not verify (exit 1)', async () => {
    const pid = await productWithKey('S');
    const s = await cli(['sign', '--product', String(pid), '--device-id', 'SN0001', '--json'], env);
    expect(s.code).toBe(0);
    expect(s.json).toMatchObject({ product_id: pid, device_id: 'SN0001', key_version: 1 });
    expect(s.json.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const plain = await cli(['sign', '--product', String(pid), '--device-id', 'SN0001'], env);
    expect(plain.stdout.trim().split('\n')).toHaveLength(1);
    const ok = await cli(['verify', '--product', String(pid), '--device-id', 'SN0001', '--signature', s.json.signature], env);
    expect(ok.code).toBe(0);
    const bad = await cli(['verify', '--product', String(pid), '--device-id', 'SN0002', '--signature', s.json.signature, '--json'], env);
    expect(bad.code).toBe(1);
    expect(bad.json).toMatchObject({ valid: false });
    expect(bad.stderr).toMatch(/^error SIGNATURE_INVALID/);
  });

  it('signs a CSV file as a stream, keeping extra columns and naming invalid lines', async () => {
    const pid = await productWithKey('F');
    const file = path.join(home, 'ids.csv');
    fs.writeFileSync(file, 'sn,device_id,mac\nA1,DEV-001,aa:bb\nA2,bad id,cc:dd\nA3,DEV_003,ee:ff\n');
    const r = await cli(['sign', '--product', String(pid), '--file', file], env);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('device_id,signature,sn,mac');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^DEV-001,[A-Za-z0-9+/=]+,A1,aa:bb$/);
    expect(r.stderr).toMatch(/line 3/);
    for (const line of lines.slice(1)) {
      const [id, sig] = line.split(',');
      const v = await cli(['verify', '--product', String(pid), '--device-id', id, '--signature', sig], env);
      expect(v.code).toBe(0);
    }
  });

  it('signs a plain id list with exactly device_id,signature', async () => {
    const pid = await productWithKey('P');
    const file = path.join(home, 'ids.txt');
    fs.writeFileSync(file, 'X1\nX2\n\nX3\n');
    const r = await cli(['sign', '--product', String(pid), '--file', file, '--json'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('device_id,signature');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['device_id', 'X1', 'X2', 'X3']);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ signed: 3, invalid: 0 });
  });

  it('imports an existing PEM key and signs with it; the passphrase is required', async () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const file = path.join(home, 'k.pem');
    fs.writeFileSync(file, privateKey.export({ type: 'sec1', format: 'pem' }));
    const noPass = await cli(['key', 'import', '--product', '888', '--key-version', '3', '--private-key', file], { ...env, WXPROV_KEY_PASSPHRASE: '' });
    expect(noPass.stderr).toMatch(/^error KEY_PASSPHRASE_REQUIRED/);
    const r = await cli(['key', 'import', '--product', '888', '--key-version', '3', '--private-key', file, '--json'], env);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ product_id: 888, key_version: 3 });
    const s = await cli(['sign', '--product', '888', '--device-id', 'D1', '--json'], env);
    expect(crypto.verify('sha256', Buffer.from('888_D1'), privateKey, Buffer.from(s.json.signature, 'base64'))).toBe(true);
    const wrong = await cli(['sign', '--product', '888', '--device-id', 'D1'], { ...env, WXPROV_KEY_PASSPHRASE: 'not it' });
    expect(wrong.stderr).toMatch(/^error KEY_UNSEAL_FAILED/);
  });
});

describe('wxprov bind and push', () => {
  it('binds a mini program; a malformed appid is refused before any call', async () => {
    const p = await cli(['product', 'create', ...names('M'), '--json'], env);
    const before = calls('bindwxaapp');
    const bad = await cli(['bind', '--product', String(p.json.product_id), '--appid', 'wx123'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error INPUT_BAD_APPID/);
    expect(calls('bindwxaapp')).toBe(before);
    const good = await cli(['bind', '--product', String(p.json.product_id), '--appid', 'wx0123456789abcdef', '--json'], env);
    expect(good.code).toBe(0);
    expect([...sim.state.products.get(p.json.product_id)!.bound_appids]).toEqual(['wx0123456789abcdef']);
    const list = await cli(['product', 'list', '--json'], env);
    expect(list.json.products[0].appids).toEqual(['wx0123456789abcdef']);
  });

  it('stops on quota without retrying and says so', async () => {
    const p = await cli(['product', 'create', ...names('Q'), '--json'], env);
    sim.inject({ endpoint: 'bindwxaapp', kind: 'errcode', errcode: 45009 });
    const before = calls('bindwxaapp');
    const r = await cli(['bind', '--product', String(p.json.product_id), '--appid', 'wx0123456789abcdef'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error WX_QUOTA_EXCEEDED \(errcode 45009\): /);
    expect(calls('bindwxaapp') - before).toBe(1);
  });

  it('pushes a message; over 5 KB is refused locally with its size', async () => {
    sim.registerPushToken('tok-123456');
    const ok = await cli(['push', '--push-token', 'tok-123456', '--msg', '你好', '--json'], env);
    expect(ok.code).toBe(0);
    expect(ok.json).toEqual({ ok: true, bytes: 6 });
    expect(sim.state.pushes.at(-1)).toMatchObject({ push_token: 'tok-123456', msg: '你好' });
    const file = path.join(home, 'big.txt');
    fs.writeFileSync(file, '中'.repeat(1707)); // 5121 bytes
    const before = calls('pushappmsg');
    const big = await cli(['push', '--push-token', 'tok-123456', '--msg-file', file], env);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/^error INPUT_MSG_TOO_LARGE: .*5121 bytes/);
    expect(calls('pushappmsg')).toBe(before);
  });
});

describe('secrets stay secret', () => {
  it('no AppSecret, token or private key in the data dir, the logs or the output', async () => {
    const outputs: string[] = [];
    const run = async (argv: string[]) => {
      const r = await cli(argv, env);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    await run(['token', '--json']);
    const p = await run(['product', 'create', ...names('Z'), '--json']);
    const pid = String(p.json.product_id);
    await run(['key', 'create', '--product', pid, '--json']);
    await run(['sign', '--product', pid, '--device-id', 'Z1', '--json']);
    sim.revokeTokens(); // forces a refresh, so two tokens pass through the client
    await run(['bind', '--product', pid, '--appid', 'wx0123456789abcdef']);

    // Recover the private key the only way there is (unsealing with the passphrase) to know what to look for.
    const { createContext } = await import('../../main/core/context.js');
    const { KeyStore } = await import('../../main/core/keys/key-store.js');
    const ctx = createContext({ env });
    const der = ctx.sealer().unseal(new KeyStore(ctx.db).get(Number(pid))!.sealed_private_key!);
    ctx.close();
    const pkcs8Pem = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
    const rawScalar = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }).d!;

    const tokens = [...new Set(await tokensIssued())];
    expect(tokens.length).toBeGreaterThan(0);
    const needles = [sim.appsecret, env.WXPROV_KEY_PASSPHRASE!, ...tokens, der.toString('base64'), pkcs8Pem.split('\n')[1], rawScalar];
    const { readTree } = await import('../helpers/tmp.js');
    const files = readTree(home);
    expect(files.some((f) => f.file.endsWith('wxprov.log'))).toBe(true);
    for (const { file, bytes } of files) {
      for (const n of needles) {
        expect(bytes.includes(Buffer.from(n)), `${n.slice(0, 6)}… in ${file}`).toBe(false);
      }
      expect(bytes.includes(der), `private key DER in ${file}`).toBe(false);
    }
    for (const o of outputs) for (const n of needles) expect(o.includes(n)).toBe(false);
  });
});

/** Every token the simulator has handed out, read through its admin route like any other client. */
async function tokensIssued(): Promise<string[]> {
  const r = await fetch(`${sim.url}/__sim/tokens`, { headers: { 'x-sim-admin': sim.adminToken } });
  if (r.ok) return (await r.json()) as string[];
  throw new Error(`the simulator does not list issued tokens (HTTP ${r.status})`);
}
