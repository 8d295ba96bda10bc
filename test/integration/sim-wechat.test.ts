import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SIM_APPID, SIM_APPSECRET, startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';

// Real loopback HTTP against the simulator, with plain fetch: this is the platform contract
// the client tests rely on, checked without the client in the way.

let sim: WechatSim;
let clock: number;

beforeEach(async () => {
  clock = Date.UTC(2025, 0, 10, 8, 0, 0);
  sim = await startWechatSim({ now: () => clock });
});
afterEach(async () => {
  await sim.close();
});

async function post(path: string, body: unknown, token?: string): Promise<Record<string, any>> {
  const url = new URL(path, sim.url);
  if (token !== undefined) url.searchParams.set('access_token', token);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, any>;
}
const stable = (extra: Record<string, unknown> = {}) =>
  post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: SIM_APPID, secret: SIM_APPSECRET, ...extra });
async function plainToken(appid = SIM_APPID, secret = SIM_APPSECRET): Promise<Record<string, any>> {
  const url = new URL('/cgi-bin/token', sim.url);
  url.search = new URLSearchParams({ grant_type: 'client_credential', appid, secret }).toString();
  return (await (await fetch(url)).json()) as Record<string, any>;
}
const rt = (name: string, body: unknown, token: string) => post(`/wxa/business/runtime/${name}`, body, token);
const p256Pem = () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const names = { english_product_name: 'Speaker', chinese_product_name: '音箱', device_default_name: '小音箱' };

async function tokenAndProduct(): Promise<{ token: string; pid: number }> {
  const token = (await stable()).access_token as string;
  const r = await rt('createproduct', names, token);
  return { token, pid: r.product_id as number };
}

describe('startup', () => {
  it('listens on 127.0.0.1 only, with the fixed sim credentials, and prints nothing', async () => {
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    const s2 = await startWechatSim();
    try {
      expect(s2.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(s2.appid).toBe(SIM_APPID);
      expect(s2.appsecret).toMatch(/^[0-9a-f]{32}$/);
      expect(s2.adminToken).not.toBe(sim.adminToken);
      expect(out).not.toHaveBeenCalled();
      expect(err).not.toHaveBeenCalled();
    } finally {
      out.mockRestore();
      err.mockRestore();
      await s2.close();
    }
  });
});

describe('tokens', () => {
  it('stable_token returns the same token while valid; force_refresh issues a new one and retires the old', async () => {
    const a = await stable();
    expect(a.access_token).toEqual(expect.any(String));
    expect(a.expires_in).toBe(7200);
    expect(a.errcode).toBeUndefined();
    const b = await stable();
    expect(b.access_token).toBe(a.access_token);
    const c = await stable({ force_refresh: true });
    expect(c.access_token).not.toBe(a.access_token);
    expect((await rt('createproduct', names, a.access_token)).errcode).toBe(40001);
    expect((await rt('createproduct', names, c.access_token)).errcode).toBe(0);
  });

  it('stable_token renews in the last 5 minutes; the old token lasts until it expires', async () => {
    const a = await stable();
    clock += (7200 - 200) * 1000;
    const b = await stable();
    expect(b.access_token).not.toBe(a.access_token);
    expect((await rt('createproduct', names, a.access_token)).errcode).toBe(0);
    clock += 300 * 1000;
    expect((await rt('createproduct', names, a.access_token)).errcode).toBe(42001);
    expect((await rt('createproduct', names, b.access_token)).errcode).toBe(0);
  });

  it('/cgi-bin/token issues a new token each time and the previous one stops working', async () => {
    const a = await plainToken();
    const b = await plainToken();
    expect(a.expires_in).toBe(7200);
    expect(b.access_token).not.toBe(a.access_token);
    expect((await rt('createproduct', names, a.access_token)).errcode).toBe(40001);
    expect((await rt('createproduct', names, b.access_token)).errcode).toBe(0);
  });

  it('refuses a wrong appid (40013), a wrong secret (40125) and a wrong grant_type', async () => {
    expect((await plainToken('wx00000000000000ff')).errcode).toBe(40013);
    expect((await plainToken(SIM_APPID, 'f'.repeat(32))).errcode).toBe(40125);
    expect((await stable({ appid: 'wx00000000000000ff' })).errcode).toBe(40013);
    expect((await stable({ secret: 'nope-nope' })).errcode).toBe(40125);
    expect((await stable({ grant_type: 'password' })).errcode).toBe(40002);
  });

  it('runtime endpoints: missing 41001, unknown 40001, expired 42001 (clock or expireTokens), revoked 40001', async () => {
    const url = new URL('/wxa/business/runtime/createproduct', sim.url);
    const missing = (await (await fetch(url, { method: 'POST', body: JSON.stringify(names) })).json()) as any;
    expect(missing.errcode).toBe(41001);
    expect((await rt('createproduct', names, 'not-a-token')).errcode).toBe(40001);

    const t1 = (await stable()).access_token;
    sim.expireTokens();
    expect((await rt('createproduct', names, t1)).errcode).toBe(42001);
    const t2 = (await stable()).access_token; // an expired stable token is replaced without force
    expect(t2).not.toBe(t1);
    expect((await rt('createproduct', names, t2)).errcode).toBe(0);

    sim.revokeTokens();
    expect((await rt('createproduct', names, t2)).errcode).toBe(40001);
    // A revoked stable token is still handed out until force_refresh: what drives clients to force.
    expect((await stable()).access_token).toBe(t2);
    const t3 = (await stable({ force_refresh: true })).access_token;
    expect((await rt('createproduct', names, t3)).errcode).toBe(0);

    clock += 7201 * 1000;
    expect((await rt('createproduct', names, t3)).errcode).toBe(42001);
  });

  it('honours tokenTtlSec', async () => {
    const s2 = await startWechatSim({ tokenTtlSec: 60, now: () => clock });
    try {
      const url = new URL('/cgi-bin/stable_token', s2.url);
      const r = (await (await fetch(url, { method: 'POST', body: JSON.stringify({ grant_type: 'client_credential', appid: SIM_APPID, secret: SIM_APPSECRET }) })).json()) as any;
      expect(r.expires_in).toBe(60);
    } finally {
      await s2.close();
    }
  });
});

describe('createproduct', () => {
  it('numbers products from 20001 and needs the three names', async () => {
    const token = (await stable()).access_token;
    expect(await rt('createproduct', names, token)).toMatchObject({ errcode: 0, product_id: 20001 });
    expect(await rt('createproduct', names, token)).toMatchObject({ errcode: 0, product_id: 20002 });
    for (const f of Object.keys(names)) {
      const r = await rt('createproduct', { ...names, [f]: '' }, token);
      expect(r.errcode).toBe(40097);
      expect(r.errmsg).toContain(f);
    }
    expect(sim.state.products.get(20001)).toMatchObject(names);
    expect(sim.state.products.size).toBe(2);
  });

  it('answers ids as strings when asked to', async () => {
    const s2 = await startWechatSim({ idsAsStrings: true });
    try {
      const tok = (await (await fetch(new URL('/cgi-bin/stable_token', s2.url), { method: 'POST', body: JSON.stringify({ grant_type: 'client_credential', appid: SIM_APPID, secret: SIM_APPSECRET }) })).json()) as any;
      const r = (await (await fetch(new URL(`/wxa/business/runtime/createproduct?access_token=${tok.access_token}`, s2.url), { method: 'POST', body: JSON.stringify(names) })).json()) as any;
      expect(r.product_id).toBe('20001');
    } finally {
      await s2.close();
    }
  });
});

describe('registerpubkey', () => {
  it('numbers key versions per product from 1', async () => {
    const { token, pid } = await tokenAndProduct();
    const pem = p256Pem();
    expect(await rt('registerpubkey', { product_id: pid, pubkey: pem }, token)).toMatchObject({ errcode: 0, key_version: 1 });
    expect(await rt('registerpubkey', { product_id: String(pid), pubkey: p256Pem() }, token)).toMatchObject({ errcode: 0, key_version: 2 });
    expect(sim.state.products.get(pid)!.pubkeys.get(1)).toBe(pem);
  });

  it('refuses unknown products and anything but a P-256 SPKI PEM public key', async () => {
    const { token, pid } = await tokenAndProduct();
    const unknown = await rt('registerpubkey', { product_id: 99999, pubkey: p256Pem() }, token);
    expect(unknown.errcode).toBe(40097);
    expect(unknown.errmsg).toContain('99999');
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const bad = [
      '',
      'hello',
      ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
    ];
    for (const pubkey of bad) expect((await rt('registerpubkey', { product_id: pid, pubkey }, token)).errcode).toBe(40097);
    expect(sim.state.products.get(pid)!.pubkeys.size).toBe(0);
  });
});

describe('adddevice', () => {
  it('needs model_name (errcode -1 like the live API), stores ids, accepts a string product_id, re-adding is harmless', async () => {
    const { token, pid } = await tokenAndProduct();
    expect((await rt('adddevice', { product_id: pid, device_id_list: ['A1'] }, token)).errcode).toBe(-1);
    expect((await rt('adddevice', { product_id: pid, model_name: 'M1', device_id_list: ['A1', 'B_2'] }, token)).errcode).toBe(0);
    expect((await rt('adddevice', { product_id: String(pid), model_name: 'M1', device_id_list: ['A1', 'C-3'] }, token)).errcode).toBe(0);
    const p = sim.state.products.get(pid)!;
    expect([...p.device_ids].sort()).toEqual(['A1', 'B_2', 'C-3']);
    expect([...p.model_names]).toEqual(['M1']);
  });

  it('fails the whole batch on one bad id, naming it; unknown product and empty list are refused', async () => {
    const { token, pid } = await tokenAndProduct();
    const r = await rt('adddevice', { product_id: pid, model_name: 'M1', device_id_list: ['OK1', 'bad id!'] }, token);
    expect(r.errcode).toBe(40097);
    expect(r.errmsg).toContain('bad id!');
    expect(sim.state.products.get(pid)!.device_ids.size).toBe(0);
    expect((await rt('adddevice', { product_id: pid, model_name: 'M1', device_id_list: ['x'.repeat(129)] }, token)).errcode).toBe(40097);
    expect((await rt('adddevice', { product_id: 424242, model_name: 'M1', device_id_list: ['A'] }, token)).errcode).toBe(40097);
    expect((await rt('adddevice', { product_id: pid, model_name: 'M1', device_id_list: [] }, token)).errcode).toBe(40097);
  });
});

describe('bindwxaapp', () => {
  it('binds a well-formed mini-program appid to a known product only', async () => {
    const { token, pid } = await tokenAndProduct();
    expect((await rt('bindwxaapp', { product_id: pid, appid: 'wx1234567890abcdef' }, token)).errcode).toBe(0);
    expect((await rt('bindwxaapp', { product_id: pid, appid: 'wx123' }, token)).errcode).toBe(40097);
    expect((await rt('bindwxaapp', { product_id: 1, appid: 'wx1234567890abcdef' }, token)).errcode).toBe(40097);
    expect([...sim.state.products.get(pid)!.bound_appids]).toEqual(['wx1234567890abcdef']);
  });
});

describe('pushappmsg', () => {
  it('delivers to listeners and records it; 40101 / 45002 / 48012 as documented', async () => {
    const token = (await stable()).access_token;
    sim.registerPushToken('push-token-1');
    sim.registerPushToken('push-token-old', { expireAt: clock - 1 });
    const got: { push_token: string; msg: string }[] = [];
    const off = sim.onPush((p) => got.push(p));
    expect((await rt('pushappmsg', { push_token: 'push-token-1', msg: '{"a":1}' }, token)).errcode).toBe(0);
    expect(got).toEqual([{ push_token: 'push-token-1', msg: '{"a":1}' }]);
    expect(sim.state.pushes).toHaveLength(1);
    expect((await rt('pushappmsg', { msg: 'x' }, token)).errcode).toBe(40101);
    expect((await rt('pushappmsg', { push_token: 'push-token-1' }, token)).errcode).toBe(40101);
    expect((await rt('pushappmsg', { push_token: 'push-token-1', msg: '中'.repeat(1707) }, token)).errcode).toBe(45002);
    expect((await rt('pushappmsg', { push_token: 'push-token-1', msg: 'x'.repeat(5120) }, token)).errcode).toBe(0);
    expect((await rt('pushappmsg', { push_token: 'nobody', msg: 'x' }, token)).errcode).toBe(48012);
    expect((await rt('pushappmsg', { push_token: 'push-token-old', msg: 'x' }, token)).errcode).toBe(48012);
    off();
    await rt('pushappmsg', { push_token: 'push-token-1', msg: 'after' }, token);
    expect(got).toHaveLength(2);
    expect(sim.state.pushes).toHaveLength(3);
  });
});

describe('quota', () => {
  it('answers 45009 past dailyQuota per endpoint, and resets the next day', async () => {
    const s2 = await startWechatSim({ dailyQuota: 2, now: () => clock });
    try {
      const url = (p: string) => new URL(p, s2.url);
      let tok = (await (await fetch(url('/cgi-bin/stable_token'), { method: 'POST', body: JSON.stringify({ grant_type: 'client_credential', appid: SIM_APPID, secret: SIM_APPSECRET }) })).json() as any).access_token;
      const create = async () => (await (await fetch(url(`/wxa/business/runtime/createproduct?access_token=${tok}`), { method: 'POST', body: JSON.stringify(names) })).json() as any).errcode;
      expect([await create(), await create(), await create()]).toEqual([0, 0, 45009]);
      clock += 86_400_000;
      tok = (await (await fetch(url('/cgi-bin/stable_token'), { method: 'POST', body: JSON.stringify({ grant_type: 'client_credential', appid: SIM_APPID, secret: SIM_APPSECRET }) })).json() as any).access_token;
      expect(await create()).toBe(0);
    } finally {
      await s2.close();
    }
  });
});

describe('faults', () => {
  it('errcode, http, garbage faults answer instead of the endpoint, `times` times, then it recovers', async () => {
    const token = (await stable()).access_token;
    sim.inject({ endpoint: 'createproduct', kind: 'errcode', errcode: -1, times: 2 });
    expect((await rt('createproduct', names, token)).errcode).toBe(-1);
    expect((await rt('createproduct', names, token)).errcode).toBe(-1);
    expect((await rt('createproduct', names, token)).errcode).toBe(0);
    expect(sim.state.products.size).toBe(1);

    sim.inject({ endpoint: 'createproduct', kind: 'http', status: 502 });
    const url = new URL(`/wxa/business/runtime/createproduct?access_token=${token}`, sim.url);
    expect((await fetch(url, { method: 'POST', body: JSON.stringify(names) })).status).toBe(502);

    sim.inject({ endpoint: '*', kind: 'garbage' });
    const g = await fetch(url, { method: 'POST', body: JSON.stringify(names) });
    expect(g.status).toBe(200);
    await expect(g.clone().json()).rejects.toThrow();
    expect(sim.state.products.size).toBe(1);
    expect((await rt('createproduct', names, token)).errcode).toBe(0);
  });

  it('drop processes the request and hangs up; drop-before hangs up without processing', async () => {
    const token = (await stable()).access_token;
    sim.inject({ endpoint: 'createproduct', kind: 'drop' });
    await expect(rt('createproduct', names, token)).rejects.toThrow();
    expect(sim.state.products.size).toBe(1);
    sim.inject({ endpoint: 'createproduct', kind: 'drop-before' });
    await expect(rt('createproduct', names, token)).rejects.toThrow();
    expect(sim.state.products.size).toBe(1);
    const calls = sim.state.calls.filter((c) => c.endpoint === 'createproduct');
    expect(calls.map((c) => c.fault)).toEqual(['drop', 'drop-before']);
  });

  it('delay answers late; Infinity lasts until clearFaults', async () => {
    const token = (await stable()).access_token;
    sim.inject({ endpoint: 'bindwxaapp', kind: 'delay', ms: 150 });
    const t0 = Date.now();
    expect((await rt('bindwxaapp', { product_id: 1, appid: 'wx1234567890abcdef' }, token)).errcode).toBe(40097);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

    sim.inject({ endpoint: 'stable_token', kind: 'errcode', errcode: 40164, times: Infinity });
    for (let i = 0; i < 3; i++) expect((await stable()).errcode).toBe(40164);
    sim.clearFaults();
    expect((await stable()).access_token).toBe(token);
  });
});

describe('call log', () => {
  it('records endpoint, body and errcode, never a token or the AppSecret', async () => {
    const token = (await stable()).access_token;
    await plainToken();
    await rt('createproduct', names, token);
    const text = JSON.stringify(sim.state.calls);
    expect(sim.state.calls.map((c) => [c.endpoint, c.errcode])).toEqual([
      ['stable_token', 0],
      ['token', 0],
      ['createproduct', 0],
    ]);
    expect(sim.state.calls[2].body).toEqual(names);
    expect(sim.state.calls[2].time).toBe(clock);
    expect(text).not.toContain(SIM_APPSECRET);
    expect(text).not.toContain(token);
  });
});

describe('admin routes', () => {
  const admin = (method: string, path: string, body?: unknown, key: string | null = sim.adminToken) =>
    fetch(new URL(path, sim.url), {
      method,
      headers: { ...(key !== null ? { 'x-sim-admin': key } : {}), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('refuse requests without the right x-sim-admin header', async () => {
    expect((await admin('GET', '/__sim/state', undefined, null)).status).toBe(403);
    expect((await admin('GET', '/__sim/state', undefined, 'wrong')).status).toBe(403);
    expect((await admin('POST', '/__sim/revoke-tokens', {}, null)).status).toBe(403);
  });

  it('drive the sim from another process: state, faults, tokens, push tokens', async () => {
    const { token, pid } = await tokenAndProduct();
    const state = (await (await admin('GET', '/__sim/state')).json()) as any;
    expect(state.products[0]).toMatchObject({ product_id: pid, device_ids: [], pubkeys: {} });
    expect(state.calls).toHaveLength(2);

    expect((await admin('POST', '/__sim/faults', { endpoint: 'createproduct', kind: 'errcode', errcode: 45009, times: 'Infinity' })).status).toBe(200);
    expect((await rt('createproduct', names, token)).errcode).toBe(45009);
    expect((await rt('createproduct', names, token)).errcode).toBe(45009);
    expect((await admin('POST', '/__sim/faults', { endpoint: 'nowhere', kind: 'garbage' })).status).toBe(400);
    expect((await admin('POST', '/__sim/faults', { endpoint: '*', kind: 'explode' })).status).toBe(400);
    expect((await admin('DELETE', '/__sim/faults')).status).toBe(200);
    expect((await rt('createproduct', names, token)).errcode).toBe(0);

    expect((await admin('POST', '/__sim/expire-tokens')).status).toBe(200);
    expect((await rt('createproduct', names, token)).errcode).toBe(42001);
    const t2 = (await stable()).access_token;
    expect((await admin('POST', '/__sim/revoke-tokens')).status).toBe(200);
    expect((await rt('createproduct', names, t2)).errcode).toBe(40001);

    const t3 = (await stable({ force_refresh: true })).access_token;
    expect((await admin('POST', '/__sim/push-tokens', { token: 'remote-push' })).status).toBe(200);
    expect((await admin('POST', '/__sim/push-tokens', {})).status).toBe(400);
    expect((await rt('pushappmsg', { push_token: 'remote-push', msg: 'hi' }, t3)).errcode).toBe(0);
    expect((await admin('GET', '/__sim/nothing')).status).toBe(404);
  });
});
