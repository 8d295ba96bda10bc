import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../main/core/context.js';
import { ProductService } from '../../main/core/products/product-service.js';
import { Registry } from '../../main/core/registry/registry.js';
import { SyncWorker, type SyncStatus } from '../../main/core/registry/sync-worker.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { tmpDir } from '../helpers/tmp.js';

let sim: WechatSim;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());

const rows = (ids: string[]) => ids.map((device_id, i) => ({ line: i + 1, device_id, extra: {} }));

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup() {
  const ctx = createContext({
    env: { WXPROV_HOME: tmpDir(), WXPROV_API_BASE: sim.url, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret },
    wechat: { retry: { maxAttempts: 1, baseMs: 1, capMs: 1 } },
  });
  const pid = (await ctx.wechat().createProduct({ english_product_name: 'e', chinese_product_name: 'z', device_default_name: 'd' })).product_id;
  new ProductService(ctx).ensureRecorded(pid, { model_name: 'M' });
  const seen: SyncStatus[] = [];
  const worker = new SyncWorker(ctx, { idleMs: 60_000, backoff: { baseMs: 20, capMs: 80 }, onStatus: (s) => seen.push(s) });
  return { ctx, pid, worker, seen };
}

describe('the background sync worker', () => {
  it('drains the queue, backs off through network faults, and reports each phase', async () => {
    const { ctx, pid, worker, seen } = await setup();
    await new Registry(ctx).add(pid, rows(['W1', 'W2', 'W3']));
    sim.inject({ endpoint: 'adddevice', kind: 'http', status: 503, times: 3 });
    worker.start();
    await until(() => worker.current().queue.synced === 3);
    await worker.stop();
    const phases = seen.map((s) => s.phase);
    expect(phases.filter((p) => p === 'retrying').length).toBe(3);
    expect(phases.at(-1)).toBe('idle');
    expect(seen.find((s) => s.phase === 'retrying')!.last_error!.code).toBe('NET_HTTP_STATUS');
    expect(worker.current().last_error).toBeUndefined();
    ctx.close();
  });

  it('is woken by nudge when new work is queued, and holds still while offline', async () => {
    const { ctx, pid, worker } = await setup();
    worker.start();
    await until(() => worker.current().phase === 'idle');
    worker.setOnline(false);
    expect(worker.current().phase).toBe('offline');
    await new Registry(ctx).add(pid, rows(['N1', 'N2']));
    const before = sim.state.calls.length;
    worker.nudge();
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.state.calls.length).toBe(before);
    expect(worker.current().queue.pending).toBe(0 + 2);
    worker.setOnline(true);
    await until(() => worker.current().queue.synced === 2);
    await worker.stop();
    ctx.close();
  });

  it('hears a nudge after an idle pass (nothing to send), and runNow answers the drain it ran', async () => {
    const { ctx, pid, worker, seen } = await setup();
    worker.start();
    // The first pass finds nothing to send; the status it emits proves it ran.
    await until(() => seen.some((s) => s.phase === 'idle' && s.next_attempt_at !== undefined));
    await new Registry(ctx).add(pid, rows(['I1', 'I2']));
    worker.nudge();
    await until(() => worker.current().queue.synced === 2);
    await new Registry(ctx).add(pid, rows(['I3']));
    expect(await worker.runNow()).toMatchObject({ synced: 1, failed: 0, pending: 0, calls: 1 });
    expect(await worker.runNow()).toMatchObject({ synced: 0, pending: 0, calls: 0 });
    await worker.stop();
    ctx.close();
  });

  it('stops on a fault a person must fix, and says which', async () => {
    const { ctx, pid, worker } = await setup();
    await new Registry(ctx).add(pid, rows(['S1']));
    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 48001 });
    worker.start();
    await until(() => worker.current().phase === 'stopped');
    expect(worker.current().last_error).toMatchObject({ code: 'WX_API_UNAUTHORIZED', errcode: 48001 });
    expect(worker.current().queue.pending).toBe(1);
    worker.nudge(); // the engineer fixed the permission and retries
    await until(() => worker.current().queue.synced === 1);
    await worker.stop();
    ctx.close();
  });
});
