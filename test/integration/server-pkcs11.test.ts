import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePublicKeyPem, verifyDeviceId } from '../../main/core/keys/ecdsa.js';
import { SimDevice } from '../../main/core/sim/device/index.js';
import { serveUnitOnTcp } from '../../main/core/sim/device/tcp-unit-port.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliAsync } from '../helpers/cli-async.js';
import { withLedger } from '../helpers/crash.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { listPrivateKeys, SOFTHSM_MODULE, softhsmReady, softhsmTokens } from '../helpers/softhsm.js';
import { readTree, tmpDir } from '../helpers/tmp.js';

// The factory server with its product key in a hardware token (SoftHSM2 in a temp dir, the
// server process's own): made there through `server key create --pkcs11-module`, and every
// signature the server hands out — the ids of a block, an id signed online — made by the token
// and verifying with the registered key; a unit flashed from each PASSes.

const ready = softhsmReady();

describe.runIf(ready)('the factory server signing with a key in a token', () => {
  let sim: WechatSim;
  let serverHome: string;
  let serverEnv: NodeJS.ProcessEnv;
  let server: ServerProcess | undefined;
  let hsm: ReturnType<typeof softhsmTokens>;

  const admin = (...argv: string[]) => cliAsync(['server', ...argv, '--home', serverHome, '--json'], serverEnv);

  beforeAll(async () => {
    sim = await startWechatSim();
    hsm = softhsmTokens(['factory'], { env: false });
    serverHome = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-p11srv-')), 'home');
    serverEnv = {
      WXPROV_APPID: sim.appid,
      WXPROV_APPSECRET: sim.appsecret,
      WXPROV_API_BASE: sim.url,
      WXPROV_KEY_PASSPHRASE: 'server passphrase',
      WXPROV_OPERATOR: 'admin',
      SOFTHSM2_CONF: hsm.conf,
      WXPROV_PKCS11_PIN: hsm.tokens[0].pin,
    };
    server = await startServerProcess({ home: serverHome, kind: 'embedded', env: serverEnv });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await sim?.close();
    hsm?.remove();
    fs.rmSync(path.dirname(serverHome), { recursive: true, force: true });
  });

  it('blocks and online signatures come from the token; the station flashes both; no PIN in the server home', async () => {
    const p = await admin('product', 'create', '--en', 'Lamp', '--zh', '台灯', '--default-name', '台灯', '--model', 'LAMP-T');
    const pid = p.json.product_id as number;
    const k = await admin('key', 'create', '--product', String(pid), '--pkcs11-module', SOFTHSM_MODULE!, '--token-label', 'factory');
    expect(k.code, k.stderr).toBe(0);
    expect(k.json).toMatchObject({ product_id: pid, key_version: 1 });
    expect(sim.state.products.get(pid)!.pubkeys.get(1)).toBe(k.json.public_key_pem);
    const keys = await admin('key', 'list', '--product', String(pid));
    expect(keys.json.keys[0]).toMatchObject({ key_store: 'pkcs11', pkcs11_token_label: 'factory', pkcs11_module: SOFTHSM_MODULE });
    expect(listPrivateKeys(hsm.conf, hsm.tokens[0])).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
    expect((await admin('product', 'set', '--product', String(pid), '--id-template', 'T{station}{seq:5}')).code).toBe(0);
    const enrolled = await admin('enroll', '--station', 'T1');

    const env = { WXPROV_HOME: tmpDir(), WXPROV_KEY_PASSPHRASE: 'station passphrase', WXPROV_OPERATOR: 'op1' };
    const joined = await cliAsync(['fleet', 'join', '--server', server!.url, '--fingerprint', server!.fingerprint, '--code', enrolled.json.code, '--json'], env);
    expect(joined.code, joined.stderr).toBe(0);
    const pub = parsePublicKeyPem(k.json.public_key_pem);
    // Every id of the block the station holds is signed by the token's key.
    const ids = withLedger(env.WXPROV_HOME, (db) => db.prepare('SELECT device_id, signature FROM fleet_ids').all() as { device_id: string; signature: string }[]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(verifyDeviceId(pub, pid, id.device_id, id.signature), id.device_id).toBe(true);

    const jig = await serveUnitOnTcp();
    let unit = await SimDevice.boot(jig.unit, { hwid: 'HWBLOCK1', commitMs: 20 });
    try {
      const fromBlock = await cliAsync(['flash', '--port', jig.spec, '--product', String(pid), '--json'], env);
      expect(fromBlock.json, fromBlock.stderr).toMatchObject({ result: 'PASS', device_id: 'TT100001' });
      unit.stop();
      unit = await SimDevice.boot(jig.unit, { hwid: 'HWONLINE1', commitMs: 20 });
      const online = await cliAsync(['flash', '--port', jig.spec, '--product', String(pid), '--device-id', 'GIVEN_0001', '--json'], env);
      expect(online.json, online.stderr).toMatchObject({ result: 'PASS', device_id: 'GIVEN_0001' });
      const id = unit.identity()!;
      expect(verifyDeviceId(pub, pid, id.device_id, id.signature)).toBe(true);
    } finally {
      unit.stop();
      await jig.close();
    }
    for (const f of readTree(serverHome)) expect(f.bytes.includes(Buffer.from(hsm.tokens[0].pin)), f.file).toBe(false);
  }, 120_000);
});
