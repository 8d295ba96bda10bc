import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim, type WechatSimOptions } from '../../main/core/sim/wechat-sim.js';
import { WechatClient, type WechatClientOptions } from '../../main/core/wechat/client.js';
import { caught } from '../helpers/caught.js';

// The client against the real simulator over loopback HTTP: endpoints, tokens, local checks.

let sim: WechatSim;
let clock: number;

async function restartSim(o: WechatSimOptions = {}): Promise<void> {
  await sim?.close();
  sim = await startWechatSim({ now: () => clock, ...o });
}

beforeEach(async () => {
  clock = Date.UTC(2025, 0, 10, 8, 0, 0);
  sim = await startWechatSim({ now: () => clock });
});
afterEach(async () => {
  await sim.close();
});

function clientFor(o: Partial<WechatClientOptions> = {}): WechatClient {
  return new WechatClient({
    apiBase: sim.url,
    credentials: { appid: sim.appid, appsecret: sim.appsecret },
    now: () => clock,
    sleep: async () => {},
    retry: { maxAttempts: 5, baseMs: 1, capMs: 8 },
    timeoutMs: 5000,
    ...o,
  });
}

const calls = (endpoint: string) => sim.state.calls.filter((c) => c.endpoint === endpoint);
const names = { english_product_name: 'Speaker', chinese_product_name: '音箱', device_default_name: '小音箱' };
const p256Pem = () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('endpoints', () => {
  it('every endpoint succeeds against the sim and changes its state', async () => {
    const c = clientFor();
    expect(await c.checkToken()).toEqual({ mode: 'stable', expires_in: 7200 });

    const { product_id } = await c.createProduct(names);
    expect(product_id).toBe(20001);
    expect(sim.state.products.get(product_id)).toMatchObject(names);

    const pem = p256Pem();
    expect(await c.registerPubkey(product_id, pem)).toEqual({ key_version: 1 });
    expect(await c.registerPubkey(product_id, p256Pem())).toEqual({ key_version: 2 });
    expect(sim.state.products.get(product_id)!.pubkeys.get(1)).toBe(pem);

    await c.addDevice(product_id, 'SPK-100', ['SN0001', 'SN0002']);
    const p = sim.state.products.get(product_id)!;
    expect([...p.device_ids]).toEqual(['SN0001', 'SN0002']);
    expect([...p.model_names]).toEqual(['SPK-100']);

    await c.bindWxaApp(product_id, 'wx1234567890abcdef');
    expect([...p.bound_appids]).toEqual(['wx1234567890abcdef']);

    sim.registerPushToken('device-push-token-1');
    const got: unknown[] = [];
    sim.onPush((m) => got.push(m));
    await c.pushAppMsg('device-push-token-1', '{"hello":"设备"}');
    expect(got).toEqual([{ push_token: 'device-push-token-1', msg: '{"hello":"设备"}' }]);
  });

  it('sends product_id as a JSON number and model_name in the adddevice body', async () => {
    const c = clientFor();
    const { product_id } = await c.createProduct(names);
    await c.addDevice(product_id, 'SPK-100', ['SN0001']);
    await c.bindWxaApp(product_id, 'wx1234567890abcdef');
    expect(calls('adddevice')[0].body).toEqual({ product_id, model_name: 'SPK-100', device_id_list: ['SN0001'] });
    expect(calls('bindwxaapp')[0].body).toEqual({ product_id, appid: 'wx1234567890abcdef' });
    expect(typeof (calls('adddevice')[0].body as { product_id: unknown }).product_id).toBe('number');
  });

  it('accepts product_id and key_version answered as numeric strings', async () => {
    await restartSim({ idsAsStrings: true });
    const c = clientFor();
    const { product_id } = await c.createProduct(names);
    expect(product_id).toBe(20001);
    expect(await c.registerPubkey(product_id, p256Pem())).toEqual({ key_version: 1 });
  });

  it('maps a platform refusal to its stable code and keeps the errcode', async () => {
    const c = clientFor();
    const e = await caught(c.registerPubkey(777, p256Pem()));
    expect(e.code).toBe('WX_INVALID_ARGS');
    expect(e.errcode).toBe(40097);
    expect(String(e.params.detail)).toContain('777');
    sim.registerPushToken('short-lived-token', { expireAt: clock - 1 });
    const e2 = await caught(c.pushAppMsg('short-lived-token', 'hi'));
    expect([e2.code, e2.errcode]).toEqual(['WX_PUSH_TOKEN_INVALID', 48012]);
  });
});

describe('local validation (nothing is sent)', () => {
  it('refuses a push message over 5120 UTF-8 bytes with its size', async () => {
    const c = clientFor();
    const e = await caught(c.pushAppMsg('device-push-token-1', '中'.repeat(1707)));
    expect(e.code).toBe('INPUT_MSG_TOO_LARGE');
    expect(e.params.bytes).toBe(5121);
    expect(sim.state.calls).toHaveLength(0);
  });

  it('refuses a malformed mini-program appid', async () => {
    const e = await caught(clientFor().bindWxaApp(20001, 'wx12-not-an-appid'));
    expect(e.code).toBe('INPUT_BAD_APPID');
    expect(e.params.appid).toBe('wx12-not-an-appid');
    expect(sim.state.calls).toHaveLength(0);
  });

  it('refuses adddevice without model_name, and bad device ids', async () => {
    const c = clientFor();
    const e = await caught(c.addDevice(20001, '  ', ['SN1']));
    expect(e.code).toBe('INPUT_MISSING');
    expect(e.params.field).toBe('model_name');
    expect(e.params.usage).toBeTruthy();
    expect((await caught(c.addDevice(20001, 'M', ['ok', 'not ok']))).code).toBe('INPUT_BAD_DEVICE_ID');
    expect((await caught(c.addDevice(20001, 'M', []))).code).toBe('INPUT_MISSING');
    expect((await caught(c.registerPubkey(0, 'x'))).code).toBe('INPUT_INVALID');
    expect(sim.state.calls).toHaveLength(0);
  });
});

describe('tokens', () => {
  it('uses stable_token by default and /cgi-bin/token when asked', async () => {
    await clientFor().checkToken();
    expect(calls('stable_token')).toHaveLength(1);
    expect(calls('stable_token')[0].body).toEqual({ grant_type: 'client_credential', appid: sim.appid, secret: '***' });
    expect(calls('token')).toHaveLength(0);

    const t = clientFor({ tokenMode: 'token' });
    expect(await t.checkToken()).toEqual({ mode: 'token', expires_in: 7200 });
    await t.createProduct(names);
    expect(calls('token')).toHaveLength(1);
    expect(calls('token')[0].body).toEqual({ grant_type: 'client_credential', appid: sim.appid });
    expect(calls('stable_token')).toHaveLength(1);
  });

  it('caches the token: one token call for many requests, also when they run at once', async () => {
    const c = clientFor();
    await Promise.all([c.createProduct(names), c.createProduct(names), c.checkToken()]);
    for (let i = 0; i < 5; i++) await c.bindWxaApp(20001, 'wx1234567890abcdef');
    expect(calls('stable_token')).toHaveLength(1);
  });

  it('renews the token when less than 5 minutes remain', async () => {
    const c = clientFor();
    await c.createProduct(names);
    clock += 3600 * 1000;
    expect((await c.checkToken()).expires_in).toBe(3600);
    await c.bindWxaApp(20001, 'wx1234567890abcdef');
    expect(calls('stable_token')).toHaveLength(1);
    clock += (3600 - 200) * 1000;
    await c.bindWxaApp(20001, 'wx1234567890abcdef');
    expect(calls('stable_token')).toHaveLength(2);
    expect((await c.checkToken()).expires_in).toBe(7200);
    expect(calls('bindwxaapp').map((x) => x.errcode)).toEqual([0, 0]);
  });

  it('on 42001 fetches a new token (no force needed) and retries once', async () => {
    const c = clientFor();
    await c.checkToken();
    sim.expireTokens();
    await c.createProduct(names);
    expect(calls('createproduct').map((x) => x.errcode)).toEqual([42001, 0]);
    expect(calls('stable_token').map((x) => (x.body as { force_refresh?: boolean }).force_refresh)).toEqual([undefined, undefined]);
  });

  it('on 40001 in stable mode forces a refresh when the plain refresh returns the rejected token', async () => {
    const c = clientFor();
    await c.checkToken();
    sim.revokeTokens();
    await c.addDevice(20001, 'M', ['SN1']).catch(() => {}); // product unknown: 40097 after the token dance
    expect(calls('adddevice').map((x) => x.errcode)).toEqual([40001, 40097]);
    expect(calls('stable_token').map((x) => (x.body as { force_refresh?: boolean }).force_refresh)).toEqual([undefined, undefined, true]);
    await c.createProduct(names);
    expect(calls('stable_token')).toHaveLength(3);
  });

  it('on 40001 in token mode simply fetches a new token', async () => {
    const c = clientFor({ tokenMode: 'token' });
    await c.checkToken();
    sim.revokeTokens();
    await c.createProduct(names);
    expect(calls('token')).toHaveLength(2);
    expect(calls('createproduct').map((x) => x.errcode)).toEqual([40001, 0]);
  });

  it('a second consecutive rejection surfaces the error', async () => {
    const c = clientFor();
    sim.inject({ endpoint: 'bindwxaapp', kind: 'errcode', errcode: 42001, times: Infinity });
    const e = await caught(c.bindWxaApp(20001, 'wx1234567890abcdef'));
    expect([e.code, e.errcode]).toEqual(['WX_TOKEN_EXPIRED', 42001]);
    expect(calls('bindwxaapp')).toHaveLength(2);

    sim.clearFaults();
    sim.inject({ endpoint: 'bindwxaapp', kind: 'errcode', errcode: 40001, times: 2 });
    const e2 = await caught(c.bindWxaApp(20001, 'wx1234567890abcdef'));
    expect([e2.code, e2.errcode]).toEqual(['WX_BAD_CREDENTIAL', 40001]);
    expect(calls('bindwxaapp')).toHaveLength(4);
  });
});
