import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWechatSim, type Fault, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { WechatClient, type WechatClientOptions } from '../../main/core/wechat/client.js';
import { caught } from '../helpers/caught.js';

// Retries, refusals and the createproduct once-only rule, with faults injected into the real
// simulator. Sleep is injected and records the backoff; random is fixed at 0.5, so with
// base 10 and cap 40 the waits are 5, 10, 20, 20 (half of 10, 20, 40, 40).

let sim: WechatSim;
let delays: number[];

beforeEach(async () => {
  sim = await startWechatSim();
  delays = [];
});
afterEach(async () => {
  await sim.close();
});

function clientFor(o: Partial<WechatClientOptions> = {}): WechatClient {
  return new WechatClient({
    apiBase: sim.url,
    credentials: { appid: sim.appid, appsecret: sim.appsecret },
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    retry: { maxAttempts: 5, baseMs: 10, capMs: 40 },
    timeoutMs: 5000,
    ...o,
  });
}

const calls = (endpoint: string) => sim.state.calls.filter((c) => c.endpoint === endpoint);
const names = { english_product_name: 'Speaker', chinese_product_name: '音箱', device_default_name: '小音箱' };
const APPID = 'wx1234567890abcdef';

/** A client with a token and a product already, so faults hit only the call under test. */
async function ready(o: Partial<WechatClientOptions> = {}): Promise<{ c: WechatClient; pid: number }> {
  const c = clientFor(o);
  const { product_id } = await c.createProduct(names);
  sim.state.calls.length = 0;
  return { c, pid: product_id };
}

/** A loopback port nobody listens on: a real ECONNREFUSED. */
async function closedUrl(): Promise<string> {
  const s = await startWechatSim();
  await s.close();
  return s.url;
}

describe('retried with backoff', () => {
  it('errcode -1, then success', async () => {
    const { c, pid } = await ready();
    sim.inject({ endpoint: 'bindwxaapp', kind: 'errcode', errcode: -1, times: 2 });
    await c.bindWxaApp(pid, APPID);
    expect(calls('bindwxaapp').map((x) => x.errcode)).toEqual([-1, -1, 0]);
    expect(delays).toEqual([5, 10]);
  });

  it('HTTP 5xx until the attempts run out: the last error, retryable, after maxAttempts calls', async () => {
    const { c, pid } = await ready();
    sim.inject({ endpoint: 'adddevice', kind: 'http', status: 503, times: Infinity });
    const e = await caught(c.addDevice(pid, 'M1', ['SN1']));
    expect(e.code).toBe('NET_HTTP_STATUS');
    expect(e.params.status).toBe(503);
    expect(e.retryable).toBe(true);
    expect(calls('adddevice')).toHaveLength(5);
    expect(delays).toEqual([5, 10, 20, 20]);
    for (const d of delays) expect(d).toBeLessThanOrEqual(40);
  });

  it('an unparsable answer, then success', async () => {
    const { c, pid } = await ready();
    sim.inject({ endpoint: 'registerpubkey', kind: 'garbage', times: 2 });
    const e = await caught(c.registerPubkey(pid, 'not a pem'));
    // Two garbage answers retried, then the sim's real answer (40097: not a P-256 key), not retried.
    expect(e.code).toBe('WX_INVALID_ARGS');
    expect(calls('registerpubkey')).toHaveLength(3);
    expect(delays).toEqual([5, 10]);
  });

  it('a timeout, then success', async () => {
    const { c, pid } = await ready({ timeoutMs: 100 });
    sim.inject({ endpoint: 'bindwxaapp', kind: 'delay', ms: 400 });
    await c.bindWxaApp(pid, APPID);
    expect(calls('bindwxaapp')).toHaveLength(2);
    expect(delays).toEqual([5]);
  });

  it('a timeout every time ends as NET_TIMEOUT with the host', async () => {
    const { c, pid } = await ready({ timeoutMs: 60, retry: { maxAttempts: 3, baseMs: 10, capMs: 40 } });
    sim.inject({ endpoint: 'bindwxaapp', kind: 'delay', ms: 300, times: Infinity });
    const e = await caught(c.bindWxaApp(pid, APPID));
    expect(e.code).toBe('NET_TIMEOUT');
    expect(e.params.host).toBe(new URL(sim.url).host);
    expect(e.retryable).toBe(true);
    expect(calls('bindwxaapp')).toHaveLength(3);
  });

  it('a refused connection: maxAttempts tries, growing bounded waits, NET_UNREACHABLE', async () => {
    const url = await closedUrl();
    let fetches = 0;
    const counting: typeof fetch = (input, init) => {
      fetches++;
      return fetch(input, init);
    };
    const c = clientFor({ apiBase: url, fetch: counting });
    const e = await caught(c.checkToken());
    expect(e.code).toBe('NET_UNREACHABLE');
    expect(e.params.host).toBe(new URL(url).host);
    expect(e.retryable).toBe(true);
    expect(fetches).toBe(5);
    expect(delays).toEqual([5, 10, 20, 20]);
  });

  it('a connection reset without answer (drop) on an idempotent call is retried', async () => {
    const { c, pid } = await ready();
    sim.inject({ endpoint: 'bindwxaapp', kind: 'drop-before' });
    await c.bindWxaApp(pid, APPID);
    expect(calls('bindwxaapp')).toHaveLength(2);
  });

  it('the token endpoint is retried on -1 and network faults too', async () => {
    const c = clientFor();
    sim.inject({ endpoint: 'stable_token', kind: 'errcode', errcode: -1 });
    sim.inject({ endpoint: 'stable_token', kind: 'http', status: 500 });
    await c.checkToken();
    expect(calls('stable_token')).toHaveLength(3);
  });
});

describe('never retried: exactly one call', () => {
  const platformRefusals: [number, string][] = [
    [45009, 'WX_QUOTA_EXCEEDED'],
    [48001, 'WX_API_UNAUTHORIZED'],
    [50093, 'WX_HOSTAPP_NOT_REGISTERED'],
    [40101, 'WX_PUSH_BAD_PARAMS'],
    [45002, 'WX_PUSH_TOO_LONG'],
    [48012, 'WX_PUSH_TOKEN_INVALID'],
    [41001, 'WX_TOKEN_MISSING'],
    [40097, 'WX_INVALID_ARGS'],
    [61234, 'WX_PLATFORM_ERROR'],
  ];
  for (const [errcode, code] of platformRefusals) {
    it(`errcode ${errcode} → ${code}`, async () => {
      const { c, pid } = await ready();
      sim.inject({ endpoint: 'bindwxaapp', kind: 'errcode', errcode, errmsg: `simulated ${errcode}`, times: Infinity });
      const e = await caught(c.bindWxaApp(pid, APPID));
      expect(e.code).toBe(code);
      expect(e.errcode).toBe(errcode);
      expect(e.retryable).toBe(false);
      expect(e.params.errmsg).toBe(`simulated ${errcode}`);
      expect(calls('bindwxaapp')).toHaveLength(1);
      expect(delays).toEqual([]);
      if (code === 'WX_PLATFORM_ERROR') expect(e.message).toContain(String(errcode));
    });
  }

  it('the daily quota (45009) from the sim itself', async () => {
    await sim.close();
    sim = await startWechatSim({ dailyQuota: 1 });
    const { c, pid } = await ready();
    const e = await caught(c.bindWxaApp(pid, APPID).then(() => c.bindWxaApp(pid, APPID)));
    expect(e.code).toBe('WX_QUOTA_EXCEEDED');
    expect(calls('bindwxaapp')).toHaveLength(2);
  });

  it('40164 on the token endpoint, with the caller IP pulled out of errmsg', async () => {
    sim.inject({
      endpoint: 'stable_token',
      kind: 'errcode',
      errcode: 40164,
      errmsg: 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6780a1b2-1c2d3e4f',
      times: Infinity,
    });
    const e = await caught(clientFor().checkToken());
    expect([e.code, e.errcode]).toEqual(['WX_IP_NOT_WHITELISTED', 40164]);
    expect(e.params.ip).toBe('203.0.113.7');
    expect(e.toPayload().hint_en).toContain('203.0.113.7');
    expect(calls('stable_token')).toHaveLength(1);
  });

  it('40013 bad appid, 40125 bad secret, 40243 frozen secret, 40001 bad secret on the token endpoint', async () => {
    const e1 = await caught(clientFor({ credentials: { appid: 'wx00000000000000ff', appsecret: sim.appsecret } }).checkToken());
    expect([e1.code, e1.errcode]).toEqual(['WX_BAD_APPID', 40013]);
    const e2 = await caught(clientFor({ credentials: { appid: sim.appid, appsecret: 'f'.repeat(32) } }).checkToken());
    expect([e2.code, e2.errcode]).toEqual(['WX_BAD_APPSECRET', 40125]);
    const e3 = await caught(clientFor({ credentials: { appid: sim.appid, appsecret: 'f'.repeat(32) }, tokenMode: 'token' }).checkToken());
    expect([e3.code, e3.errcode]).toEqual(['WX_BAD_APPSECRET', 40125]);
    sim.inject({ endpoint: 'stable_token', kind: 'errcode', errcode: 40243 });
    const e4 = await caught(clientFor().checkToken());
    expect([e4.code, e4.errcode]).toEqual(['WX_APPSECRET_FROZEN', 40243]);
    sim.inject({ endpoint: 'token', kind: 'errcode', errcode: 40001 });
    const e5 = await caught(clientFor({ tokenMode: 'token' }).checkToken());
    expect([e5.code, e5.errcode]).toEqual(['WX_BAD_CREDENTIAL', 40001]);
    expect(calls('stable_token')).toHaveLength(3);
    expect(calls('token')).toHaveLength(2);
    expect(delays).toEqual([]);
  });

  it('HTTP 4xx', async () => {
    const { c, pid } = await ready();
    sim.inject({ endpoint: 'bindwxaapp', kind: 'http', status: 404 });
    const e = await caught(c.bindWxaApp(pid, APPID));
    expect([e.code, e.params.status, e.retryable]).toEqual(['NET_HTTP_STATUS', 404, false]);
    expect(calls('bindwxaapp')).toHaveLength(1);
  });
});

describe('createproduct runs at most once per intent', () => {
  const unknownOutcomes: [string, Fault][] = [
    ['the connection is dropped after the request was processed', { endpoint: 'createproduct', kind: 'drop' }],
    ['the connection is dropped before processing (the client cannot tell)', { endpoint: 'createproduct', kind: 'drop-before' }],
    ['HTTP 502', { endpoint: 'createproduct', kind: 'http', status: 502 }],
    ['an unparsable answer', { endpoint: 'createproduct', kind: 'garbage' }],
    ['a timeout', { endpoint: 'createproduct', kind: 'delay', ms: 400 }],
  ];
  for (const [what, fault] of unknownOutcomes) {
    it(`${what} → PRODUCT_CREATE_OUTCOME_UNKNOWN, one call`, async () => {
      const c = clientFor({ timeoutMs: 100 });
      await c.checkToken();
      sim.inject(fault);
      const e = await caught(c.createProduct(names));
      expect(e.code).toBe('PRODUCT_CREATE_OUTCOME_UNKNOWN');
      expect(e.retryable).toBe(false);
      expect(calls('createproduct')).toHaveLength(1);
      expect(delays).toEqual([]);
    });
  }

  it('after a drop the product really exists on the platform', async () => {
    const c = clientFor();
    sim.inject({ endpoint: 'createproduct', kind: 'drop' });
    await caught(c.createProduct(names));
    expect(sim.state.products.size).toBe(1);
  });

  it('is retried on errcode -1 (the platform did nothing)', async () => {
    const c = clientFor();
    sim.inject({ endpoint: 'createproduct', kind: 'errcode', errcode: -1, times: 2 });
    expect(await c.createProduct(names)).toEqual({ product_id: 20001 });
    expect(calls('createproduct')).toHaveLength(3);
    expect(delays).toEqual([5, 10]);
    expect(sim.state.products.size).toBe(1);
  });

  it('is retried when the connection was refused (the request never left)', async () => {
    const refused = await closedUrl();
    let redirected = 0;
    // The sim cannot refuse a connection and then accept one, so the first createproduct goes
    // to a closed port: a real ECONNREFUSED from the OS, not a mocked error.
    const fetchFn: typeof fetch = (input, init) => {
      const u = new URL(String(input));
      if (u.pathname.endsWith('/createproduct') && redirected === 0) {
        redirected++;
        return fetch(refused + u.pathname + u.search, init);
      }
      return fetch(input, init);
    };
    const c = clientFor({ fetch: fetchFn });
    expect(await c.createProduct(names)).toEqual({ product_id: 20001 });
    expect(redirected).toBe(1);
    expect(calls('createproduct')).toHaveLength(1);
    expect(delays).toEqual([5]);
  });

  it('still surfaces NET_UNREACHABLE when the connection is refused every time', async () => {
    const refused = await closedUrl();
    const fetchFn: typeof fetch = (input, init) => {
      const u = new URL(String(input));
      return u.pathname.endsWith('/createproduct') ? fetch(refused + u.pathname + u.search, init) : fetch(input, init);
    };
    const e = await caught(clientFor({ fetch: fetchFn }).createProduct(names));
    expect(e.code).toBe('NET_UNREACHABLE');
    expect(e.retryable).toBe(true);
    expect(delays).toEqual([5, 10, 20, 20]);
    expect(calls('createproduct')).toHaveLength(0);
  });

  it('is retried once with a fresh token after 40001 (the platform refused, nothing created)', async () => {
    const c = clientFor();
    await c.checkToken();
    sim.revokeTokens();
    expect(await c.createProduct(names)).toEqual({ product_id: 20001 });
    expect(calls('createproduct').map((x) => x.errcode)).toEqual([40001, 0]);
  });
});
