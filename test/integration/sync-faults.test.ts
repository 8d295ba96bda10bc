import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContext, type CoreContext } from '../../main/core/context.js';
import { ProductService } from '../../main/core/products/product-service.js';
import { Outbox } from '../../main/core/registry/outbox.js';
import { Registry } from '../../main/core/registry/registry.js';
import { nextQuotaReset, syncOnce } from '../../main/core/registry/sync.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { tmpDir } from '../helpers/tmp.js';

// Every fault path of the outbox sync, against the real simulator over loopback.

let sim: WechatSim;
let clock: Date;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  clock = new Date('2026-11-28T10:00:00Z');
});

const rows = (ids: string[]) => ids.map((device_id, i) => ({ line: i + 1, device_id, extra: {} }));
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
const addCalls = () => sim.state.calls.filter((c) => c.endpoint === 'adddevice').length;

async function station(apiBase = sim.url, timeoutMs = 2000): Promise<{ ctx: CoreContext; pid: number }> {
  const ctx = createContext({
    env: { WXPROV_HOME: tmpDir(), WXPROV_API_BASE: apiBase, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret },
    now: () => clock,
    wechat: { retry: { maxAttempts: 2, baseMs: 1, capMs: 2 }, timeoutMs },
  });
  const pid = (await sim_product()).product_id;
  new ProductService(ctx).ensureRecorded(pid, { model_name: 'MODEL-X' });
  return { ctx, pid };
}

async function sim_product() {
  const ctx = createContext({ env: { WXPROV_HOME: tmpDir(), WXPROV_API_BASE: sim.url, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret } });
  try {
    return await ctx.wechat().createProduct({ english_product_name: 'e', chinese_product_name: 'z', device_default_name: 'd' });
  } finally {
    ctx.close();
  }
}

describe('sync', () => {
  it('sends in batches of the configured size, with model_name, and marks everything synced', async () => {
    const { ctx, pid } = await station();
    await new Registry(ctx).add(pid, rows(ids('B', 250)));
    const before = addCalls();
    const r = await syncOnce(ctx, { batchSize: 100 });
    expect(r).toEqual({ synced: 250, failed: 0, pending: 0, calls: 3, by_code: { synced: 250 } });
    expect(addCalls() - before).toBe(3);
    const sent = sim.state.calls.filter((c) => c.endpoint === 'adddevice').slice(-3);
    expect(sent.map((c) => (c.body as { device_id_list: string[] }).device_id_list.length)).toEqual([100, 100, 50]);
    expect(sent.every((c) => (c.body as { model_name: string }).model_name === 'MODEL-X')).toBe(true);
    expect(sim.state.products.get(pid)!.device_ids.size).toBe(250);
    expect(new Outbox(ctx.db).stats()).toMatchObject({ pending: 0, synced: 250, failed: 0 });
    const unsynced = ctx.db.prepare('SELECT COUNT(*) AS n FROM devices WHERE synced_at IS NULL').get() as { n: number };
    expect(unsynced.n).toBe(0);
    ctx.close();
  });

  it('uses the station setting for the batch size (default 100)', async () => {
    const { ctx, pid } = await station();
    await new Registry(ctx).add(pid, rows(ids('S', 30)));
    new Registry(ctx).settings.set('sync_batch_size', '7', 't', 'u');
    expect((await syncOnce(ctx)).calls).toBe(5);
    ctx.close();
  });

  it('splits a rejected batch to find the one bad id, marks it failed with the reason and sends the rest', async () => {
    const { ctx, pid } = await station();
    const list = ids('R', 40);
    await new Registry(ctx).add(pid, rows(list));
    sim.rejectDeviceIds(['R00013']);
    const r = await syncOnce(ctx, { batchSize: 40 });
    expect(r.synced).toBe(39);
    expect(r.failed).toBe(1);
    expect(r.pending).toBe(0);
    expect(r.error).toBeUndefined();
    expect(r.calls).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(40)));
    const registered = sim.state.products.get(pid)!.device_ids;
    expect(list.filter((d) => !registered.has(d))).toEqual(['R00013']);
    const failed = ctx.db.prepare("SELECT device_id, last_error FROM outbox WHERE state = 'failed'").all() as { device_id: string; last_error: string }[];
    expect(failed).toEqual([{ device_id: 'R00013', last_error: expect.stringMatching(/WX_INVALID_ARGS \(40097\).*R00013/) }]);
    const dev = ctx.db.prepare("SELECT status, last_error FROM devices WHERE device_id = 'R00013'").get() as { status: string; last_error: string };
    expect(dev.status).toBe('allocated'); // the ledger keeps it; only its registration failed
    expect(dev.last_error).toMatch(/adddevice/);
    ctx.close();
  });

  it.each([
    [48001, 'WX_API_UNAUTHORIZED'],
    [50093, 'WX_HOSTAPP_NOT_REGISTERED'],
    [40164, 'WX_IP_NOT_WHITELISTED'],
    [40013, 'WX_BAD_APPID'],
  ])('stops on %i with an actionable message, one call, everything kept queued', async (errcode, code) => {
    const { ctx, pid } = await station();
    await new Registry(ctx).add(pid, rows(ids('P', 120)));
    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode, errmsg: 'invalid ip 203.0.113.9, not in whitelist' });
    const before = addCalls();
    const r = await syncOnce(ctx, { batchSize: 100 });
    expect(addCalls() - before).toBe(1);
    expect(r).toMatchObject({ synced: 0, failed: 0, pending: 120, calls: 1 });
    expect(r.error).toMatchObject({ code, errcode });
    expect(r.error!.hint_en.length).toBeGreaterThan(10);
    if (errcode === 40164) expect(r.error!.hint_en).toContain('203.0.113.9');
    expect(new Outbox(ctx.db).state()).toMatchObject({ last_error: code, last_errcode: errcode, paused_until: null });
    const again = await syncOnce(ctx, { batchSize: 100 });
    expect(again).toMatchObject({ synced: 120, pending: 0 });
    expect(new Outbox(ctx.db).state().last_error).toBeNull();
    ctx.close();
  });

  it('pauses on 45009 until the quota resets (midnight Beijing time) and says so', async () => {
    const { ctx, pid } = await station();
    await new Registry(ctx).add(pid, rows(ids('Q', 10)));
    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 45009 });
    const r = await syncOnce(ctx);
    expect(r.error).toMatchObject({ code: 'WX_QUOTA_EXCEEDED', errcode: 45009 });
    expect(r.paused_until).toBe('2026-11-28T16:00:00.000Z'); // 00:00 on the 29th in UTC+8
    const before = addCalls();
    const paused = await syncOnce(ctx);
    expect(paused.error?.code).toBe('SYNC_PAUSED');
    expect(paused.error?.params?.until).toBe('2026-11-28T16:00:00.000Z');
    expect(paused.error?.message_en).toContain('(2026-11-29 00:00 Beijing time)'); // never bare UTC
    expect(paused).toMatchObject({ calls: 0, pending: 10 });
    expect(addCalls()).toBe(before);
    clock = new Date('2026-11-28T16:00:01Z');
    expect(await syncOnce(ctx)).toMatchObject({ synced: 10, pending: 0, calls: 1 });
    ctx.close();
  });

  it('nextQuotaReset is the next 00:00 in UTC+8', () => {
    expect(nextQuotaReset(new Date('2026-11-28T15:59:59Z')).toISOString()).toBe('2026-11-28T16:00:00.000Z');
    expect(nextQuotaReset(new Date('2026-11-28T16:00:00Z')).toISOString()).toBe('2026-11-29T16:00:00.000Z');
  });

  it.each([
    ['platform busy (-1)', { kind: 'errcode', errcode: -1 } as const, 'WX_SYSTEM_BUSY'],
    ['HTTP 502', { kind: 'http', status: 502 } as const, 'NET_HTTP_STATUS'],
    ['an unreadable answer', { kind: 'garbage' } as const, 'NET_BAD_RESPONSE'],
    ['a timeout', { kind: 'delay', ms: 400 } as const, 'NET_TIMEOUT'],
  ])('on %s: retries (bounded), then stops with everything pending for a later run', async (_name, fault, code) => {
    const { ctx, pid } = await station(sim.url, 150);
    await new Registry(ctx).add(pid, rows(ids('T', 20)));
    sim.inject({ endpoint: 'adddevice', times: Infinity, ...fault });
    const before = addCalls();
    const r = await syncOnce(ctx);
    expect(r.error?.code).toBe(code);
    expect(r).toMatchObject({ synced: 0, pending: 20 });
    expect(addCalls() - before).toBe(2); // maxAttempts
    const attempts = ctx.db.prepare('SELECT DISTINCT attempts FROM outbox').all();
    expect(attempts).toEqual([{ attempts: 1 }]);
    sim.clearFaults();
    await new Promise((res) => setTimeout(res, 450)); // let a delayed answer land before the next run
    expect(await syncOnce(ctx)).toMatchObject({ synced: 20, pending: 0 });
    ctx.close();
  });

  it('on a refused connection (no network): keeps everything pending and says which host', async () => {
    const port = await closedPort();
    const { ctx, pid } = await station(`http://127.0.0.1:${port}`);
    await new Registry(ctx).add(pid, rows(ids('N', 5)));
    const r = await syncOnce(ctx);
    expect(r.error).toMatchObject({ code: 'NET_UNREACHABLE' });
    expect(r.error!.message_en).toContain('127.0.0.1');
    expect(r.pending).toBe(5);
    ctx.close();
  });

  it('a registration refused before stays failed until --retry-failed, then goes through', async () => {
    const { ctx, pid } = await station();
    await new Registry(ctx).add(pid, rows(['OK1', 'BAD1']));
    sim.rejectDeviceIds(['BAD1']);
    expect(await syncOnce(ctx)).toMatchObject({ synced: 1, failed: 1 });
    sim.state.rejectDeviceIds.delete('BAD1');
    expect(await syncOnce(ctx)).toMatchObject({ synced: 0, failed: 0, calls: 0 });
    expect(new Outbox(ctx.db).retryFailed()).toBe(1);
    expect(await syncOnce(ctx)).toMatchObject({ synced: 1, pending: 0 });
    ctx.close();
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
