import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { WechatClient, type WechatClientOptions } from '../../main/core/wechat/client.js';
import { caught } from '../helpers/caught.js';

// What counts as the platform's "done": errcode 0 (a number, or the string "0"), nothing else.
// A 200 answer without a readable errcode is NET_BAD_RESPONSE on every business endpoint,
// retried where retrying is safe and reported as an unknown outcome where it is not.

let sim: WechatSim;
let delays: number[];

beforeEach(async () => {
  sim = await startWechatSim();
  delays = [];
});
afterEach(() => sim.close());

function clientFor(o: Partial<WechatClientOptions> = {}): WechatClient {
  return new WechatClient({
    apiBase: sim.url,
    credentials: { appid: sim.appid, appsecret: sim.appsecret },
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    retry: { maxAttempts: 3, baseMs: 10, capMs: 40 },
    timeoutMs: 5000,
    ...o,
  });
}

const calls = (endpoint: string) => sim.state.calls.filter((c) => c.endpoint === endpoint);
const names = { english_product_name: 'Speaker', chinese_product_name: '音箱', device_default_name: '小音箱' };
const APPID = 'wx1234567890abcdef';

async function ready(): Promise<{ c: WechatClient; pid: number }> {
  const c = clientFor();
  const { product_id } = await c.createProduct(names);
  sim.state.calls.length = 0;
  return { c, pid: product_id };
}

const noErrcode: [string, Record<string, unknown>][] = [
  ['no errcode at all', { errmsg: 'ok' }],
  ['errcode null', { errcode: null, errmsg: 'ok' }],
  ['errcode ""', { errcode: '', errmsg: 'ok' }],
  ['an empty object', {}],
];

describe('a 200 answer without a readable errcode is NET_BAD_RESPONSE, retried (bounded), never success', () => {
  for (const [what, body] of noErrcode) {
    it(`adddevice, ${what}`, async () => {
      const { c, pid } = await ready();
      sim.inject({ endpoint: 'adddevice', kind: 'json', body, times: Infinity });
      const e = await caught(c.addDevice(pid, 'M1', ['SN1', 'SN2']));
      expect(e.code).toBe('NET_BAD_RESPONSE');
      expect(e.retryable).toBe(true);
      expect(calls('adddevice')).toHaveLength(3);
      expect(delays).toEqual([5, 10]);
      expect(sim.state.products.get(pid)!.device_ids.size).toBe(0);
    });
  }

  it('bindwxaapp and registerpubkey too; a real answer after a bad one goes through', async () => {
    const { c, pid } = await ready();
    sim.inject({ endpoint: 'bindwxaapp', kind: 'json', body: { errmsg: 'ok' }, times: Infinity });
    expect((await caught(c.bindWxaApp(pid, APPID))).code).toBe('NET_BAD_RESPONSE');
    expect(sim.state.products.get(pid)!.bound_appids.size).toBe(0);
    sim.clearFaults();
    sim.inject({ endpoint: 'registerpubkey', kind: 'json', body: { key_version: 1 }, times: Infinity });
    const e = await caught(c.registerPubkey(pid, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'));
    expect(e.code).toBe('NET_BAD_RESPONSE');
    expect(e.message).toContain('no errcode in the answer');
    sim.clearFaults();
    sim.inject({ endpoint: 'bindwxaapp', kind: 'json', body: { errcode: null } });
    await c.bindWxaApp(pid, APPID);
    expect(calls('bindwxaapp').map((x) => x.fault ?? 'answered').slice(-2)).toEqual(['json', 'answered']);
    expect(sim.state.products.get(pid)!.bound_appids.has(APPID)).toBe(true);
  });

  it('createproduct: a product_id without errcode is an unknown outcome, one call', async () => {
    const c = clientFor();
    await c.checkToken();
    sim.inject({ endpoint: 'createproduct', kind: 'json', body: { product_id: 777 } });
    const e = await caught(c.createProduct(names));
    expect(e.code).toBe('PRODUCT_CREATE_OUTCOME_UNKNOWN');
    expect(calls('createproduct')).toHaveLength(1);
  });

  it('pushappmsg: an unknown outcome, one call, never resent', async () => {
    const c = clientFor();
    sim.registerPushToken('PT-1');
    sim.inject({ endpoint: 'pushappmsg', kind: 'json', body: { errmsg: 'ok' }, times: Infinity });
    const e = await caught(c.pushAppMsg('PT-1', 'hello'));
    expect(e.code).toBe('PUSH_OUTCOME_UNKNOWN');
    expect(calls('pushappmsg')).toHaveLength(1);
  });
});

describe('errcode as the platform writes it', () => {
  it('"0" as a string is success and "40097" that refusal; null, "abc" and 0.5 are no errcode; the token endpoints may omit it', async () => {
    const { c, pid } = await ready();
    sim.inject({ endpoint: 'bindwxaapp', kind: 'json', body: { errcode: '0', errmsg: 'ok' } });
    await c.bindWxaApp(pid, APPID);
    sim.inject({ endpoint: 'bindwxaapp', kind: 'json', body: { errcode: '40097', errmsg: 'invalid args' } });
    const e = await caught(c.bindWxaApp(pid, APPID));
    expect([e.code, e.errcode]).toEqual(['WX_INVALID_ARGS', 40097]);
    expect(calls('bindwxaapp')).toHaveLength(2);
    for (const errcode of [null, 'abc', 0.5]) {
      sim.inject({ endpoint: 'bindwxaapp', kind: 'json', body: { errcode, errmsg: 'ok' }, times: 3 });
      expect((await caught(c.bindWxaApp(pid, APPID))).code, String(errcode)).toBe('NET_BAD_RESPONSE');
    }
    // stable_token's success has no errcode: it is judged by its access_token instead.
    expect((await clientFor().checkToken()).mode).toBe('stable');
    sim.inject({ endpoint: 'stable_token', kind: 'json', body: { errmsg: 'ok' }, times: Infinity });
    expect((await caught(clientFor().checkToken())).code).toBe('NET_BAD_RESPONSE');
  });
});

describe('the simulator', () => {
  it('takes a json fault from another process through the admin route (the bad answer is retried), and refuses one without a body object', async () => {
    const post = (body: unknown) =>
      fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers: { 'x-sim-admin': sim.adminToken }, body: JSON.stringify(body) });
    expect((await post({ endpoint: 'adddevice', kind: 'json', body: [1] })).status).toBe(400);
    expect((await post({ endpoint: 'adddevice', kind: 'json', body: { errmsg: 'ok' } })).status).toBe(200);
    const { c, pid } = await ready();
    await c.addDevice(pid, 'M1', ['SN1']); // the bad answer is retried, the second try is real
    expect(calls('adddevice').map((x) => x.fault ?? 'answered')).toEqual(['json', 'answered']);
  });
});
