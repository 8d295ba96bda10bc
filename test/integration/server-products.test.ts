import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nullLogger } from '../../main/core/log/logger.js';
import { openEmbedded } from '../../main/core/server/db/embedded.js';
import { openPostgres } from '../../main/core/server/db/postgres.js';
import type { ServerDb } from '../../main/core/server/db/server-db.js';
import { ServerKeyring } from '../../main/core/server/keys/keyring.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliAsync } from '../helpers/cli-async.js';
import type { CliResult } from '../helpers/cli.js';
import { pinnedRequest } from '../helpers/pinned-https.js';
import { STORES, skipStore } from '../helpers/server-db.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

// Products and keys made by the factory server, against the WeChat simulator on loopback: the
// station's flags and rules, createproduct once per intent, the private key generated and kept
// sealed on the server (it never appears in an answer, an output or a log), and what a joined
// station then gets in its downlink.

const PASSPHRASE = 'server key passphrase';
const MINI_APPID = 'wx1234567890abcdef';

describe.each(STORES)('server products and keys on %s', (kind) => {
  // Each admin command is a real CLI process (about a second through tsx): the steps get room.
  describe.skipIf(skipStore(kind))(kind, { timeout: 90_000 }, () => {
    let sim: WechatSim;
    let root: string;
    let home: string;
    let server: ServerProcess;
    let env: NodeJS.ProcessEnv;
    const outputs: string[] = [];
    const admin = async (...argv: string[]): Promise<CliResult> => {
      const r = await cliAsync(['server', ...argv, '--home', home, '--json'], env);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    let productId = 0;
    let publicKeyPem = '';

    beforeAll(async () => {
      sim = await startWechatSim();
      root = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'wxprov-srvp-'));
      home = path.join(root, 'home');
      env = { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: PASSPHRASE, WXPROV_OPERATOR: 'tester' };
      server = await startServerProcess({ home, kind, env });
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      await sim?.close();
      fs.rmSync(root, { recursive: true, force: true });
    });

    it('creates a product through the server once per intent, with the station\'s flags and checks', async () => {
      const args = ['product', 'create', '--en', 'Frame', '--zh', '相框', '--default-name', 'Frame', '--model', 'FR-1'];
      const r = await admin(...args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json).toMatchObject({ english_name: 'Frame', chinese_name: '相框', default_name: 'Frame', model_name: 'FR-1', origin: 'created', existing: false, key_versions: [], appids: [], id_template: null });
      productId = r.json.product_id;
      expect(sim.state.products.has(productId)).toBe(true);
      const again = await admin(...args);
      expect(again.json).toMatchObject({ product_id: productId, existing: true });
      expect(sim.state.calls.filter((c) => c.endpoint === 'createproduct')).toHaveLength(1);
      // the station's name rule, before any call
      const long = await admin('product', 'create', '--en', 'x'.repeat(65), '--zh', '相框', '--default-name', 'Frame', '--model', 'FR-1');
      expect([long.code, long.json.error.code]).toEqual([2, 'INPUT_INVALID']);
      const missing = await admin('product', 'create', '--en', 'Frame', '--zh', '相框', '--default-name', 'Frame');
      expect([missing.code, missing.json.error.code]).toEqual([2, 'INPUT_MISSING']);
    });

    it('generates the key on the server: the answer has the public key only, registered with the platform', async () => {
      const r = await admin('key', 'create', '--product', String(productId));
      expect(r.code, r.stderr).toBe(0);
      expect(Object.keys(r.json).sort()).toEqual(['key_version', 'product_id', 'public_key_pem']);
      expect(r.json.public_key_pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      publicKeyPem = r.json.public_key_pem;
      expect(sim.state.products.get(productId)?.pubkeys.get(r.json.key_version)).toBe(publicKeyPem);
      const list = await admin('key', 'list', '--product', String(productId));
      expect(list.json.keys).toEqual([expect.objectContaining({ product_id: productId, key_version: r.json.key_version, state: 'active', origin: 'created', created_by: 'admin:tester' })]);
      expect(JSON.stringify(list.json)).not.toMatch(/PRIVATE|sealed/);
    });

    it('binds a mini program, records a product made elsewhere, sets a template (checked by the station\'s rules)', async () => {
      const bind = await admin('bind', '--product', String(productId), '--appid', MINI_APPID);
      expect(bind.json).toEqual({ ok: true, product_id: productId, appid: MINI_APPID });
      const badAppid = await admin('bind', '--product', String(productId), '--appid', 'wx123');
      expect([badAppid.code, badAppid.json.error.code]).toEqual([2, 'INPUT_BAD_APPID']);
      const set = await admin('product', 'set', '--product', String(productId), '--id-template', 'FR{station}{date:YYMMDD}{seq:6}');
      expect(set.json).toMatchObject({ product_id: productId, id_template: 'FR{station}{date:YYMMDD}{seq:6}' });
      const bad = await admin('product', 'set', '--product', String(productId), '--id-template', 'FR{seq:6}');
      expect([bad.code, bad.json.error.code]).toEqual([2, 'TEMPLATE_INVALID']);
      const unknown = await admin('product', 'set', '--product', '999999', '--model', 'X');
      expect([unknown.code, unknown.json.error.code]).toEqual([1, 'PRODUCT_NOT_FOUND']);
      const add = await admin('product', 'add', '--product', '424242', '--model', 'M2', '--en', 'Other');
      expect(add.json).toMatchObject({ product_id: 424242, model_name: 'M2', english_name: 'Other', origin: 'recorded' });
      const list = await admin('product', 'list');
      expect(list.json.products.map((p: { product_id: number }) => p.product_id).sort()).toEqual([productId, 424242].sort());
    });

    it('gives a joining station the products with their templates, public keys and mini programs', async () => {
      const e = await admin('enroll', '--station', 'A1');
      const j = await pinnedRequest(server.url, server.fingerprint, 'POST', '/v1/join', { body: { station: 'A1', code: e.json.code } });
      expect(j.status, j.text).toBe(200);
      const p = j.json.downlink.products.find((x: { product_id: number }) => x.product_id === productId);
      expect(p).toEqual({
        product_id: productId,
        model_name: 'FR-1',
        english_name: 'Frame',
        chinese_name: '相框',
        default_name: 'Frame',
        id_template: 'FR{station}{date:YYMMDD}{seq:6}',
        keys: [{ key_version: expect.any(Number), public_key_pem: publicKeyPem }],
        appids: [MINI_APPID],
      });
      expect(j.json.downlink.products.find((x: { product_id: number }) => x.product_id === 424242)).toMatchObject({ model_name: 'M2', keys: [], appids: [] });
      outputs.push(j.text);
    });

    it('keeps the private key sealed under the passphrase in its store; it is in no answer, output or log', async () => {
      expect(await server.stop()).toBe(0);
      outputs.push(server.stdout(), server.stderr());
      let db: ServerDb;
      if (kind === 'postgres') db = await openPostgres(server.databaseUrl!, { log: nullLogger });
      else db = await openEmbedded(path.join(home, 'pgdata'));
      let der: Buffer;
      try {
        const row = (await db.query<{ sealed_private_key: Buffer }>('SELECT sealed_private_key FROM product_keys WHERE product_id = $1', [productId])).rows[0];
        expect(row.sealed_private_key.subarray(0, 9).toString('latin1')).toBe('WXS:env1:');
        const keyring = new ServerKeyring(db, { passphrase: PASSPHRASE, now: () => new Date(), actor: 'test', log: nullLogger });
        expect(await keyring.open()).toBe('unlocked');
        der = keyring.sealer().unseal(row.sealed_private_key);
        keyring.close();
        const wrong = new ServerKeyring(db, { passphrase: 'not the passphrase', now: () => new Date(), actor: 'test', log: nullLogger });
        await expect(wrong.open()).rejects.toMatchObject({ code: 'KEYSTORE_PASSPHRASE_WRONG' });
      } finally {
        await db.close();
      }
      const priv = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      expect(crypto.createPublicKey(priv).export({ type: 'spki', format: 'pem' }).toString()).toBe(publicKeyPem);
      const logs = fs.readdirSync(path.join(home, 'logs')).map((f) => fs.readFileSync(path.join(home, 'logs', f), 'utf8')).join('\n');
      const everything = [...outputs, logs].join('\n');
      expect(logs).toContain('key.create');
      const pem = priv.export({ type: 'pkcs8', format: 'pem' }).toString();
      const body = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
      for (const secret of ['PRIVATE KEY', der.toString('base64'), der.toString('hex'), body.slice(0, 40), sim.appsecret, PASSPHRASE]) expect(everything).not.toContain(secret);
    }, 120_000);

    it('without the passphrase it runs, but makes no key (KEY_PASSPHRASE_REQUIRED); with a wrong one it does not start', async () => {
      const { WXPROV_KEY_PASSPHRASE: _drop, ...noPass } = env;
      server = await startServerProcess({ home, kind, env: noPass, database: server.databaseUrl ? { url: server.databaseUrl, drop: async () => {} } : undefined });
      const saved = env;
      env = noPass;
      try {
        const r = await admin('key', 'create', '--product', '424242');
        expect([r.code, r.json.error.code]).toEqual([1, 'KEY_PASSPHRASE_REQUIRED']);
        expect(sim.state.calls.filter((c) => c.endpoint === 'registerpubkey')).toHaveLength(1);
      } finally {
        env = saved;
      }
      expect(await server.stop()).toBe(0);
      const wrong = await cliAsync(['server', '--home', home, '--listen', '127.0.0.1:0', '--json', ...(server.databaseUrl ? ['--database', server.databaseUrl] : [])], { ...env, WXPROV_KEY_PASSPHRASE: 'wrong passphrase!' });
      expect([wrong.code, wrong.json?.error?.code]).toEqual([1, 'KEYSTORE_PASSPHRASE_WRONG']);
      expect(fs.existsSync(path.join(home, 'server.json'))).toBe(false);
      expect(fs.existsSync(path.join(home, 'server.lock'))).toBe(false);
    }, 120_000);
  });
});
