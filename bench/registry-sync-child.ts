/**
 * (b) in a process of its own, as `wxprov sync` runs: opens the ledger the parent queued,
 * starts the simulator in this process, drains the outbox with syncOnce while sampling this
 * process's RSS, then times the bare-calls baseline. Prints one JSON line (SyncChildResult).
 *
 *   node --import tsx bench/registry-sync-child.ts <home> <product_id> <model_name>
 *
 * A child because the figure asked for is the peak RSS of the process doing the sync; in the
 * parent it would also carry the heap and page cache left behind by the 100k enqueue and the
 * bench's own bookkeeping.
 */
import { createContext } from '../main/core/context.js';
import { startWechatSim } from '../main/core/sim/wechat-sim.js';
import { clientOnlyRate, syncBench, type SyncBenchResult } from './registry-sync.js';

export interface SyncChildResult {
  sync: SyncBenchResult;
  clientRate: number;
  /** RSS when the process was ready (modules loaded, sim up, ledger open), before the sync. */
  rssReady: number;
}

async function main(): Promise<void> {
  const [home, pidArg, model] = process.argv.slice(2);
  const productId = Number(pidArg);
  if (!home || !Number.isSafeInteger(productId) || !model) throw new Error('usage: registry-sync-child.ts <home> <product_id> <model_name>');
  const sim = await startWechatSim();
  // The product exists on the platform already (the parent recorded it in the ledger).
  sim.state.products.set(productId, {
    product_id: productId,
    english_product_name: 'Bench',
    chinese_product_name: '基准',
    device_default_name: 'Bench',
    pubkeys: new Map(),
    bound_appids: new Set(),
    device_ids: new Set(),
    model_names: new Set(),
  });
  const ctx = createContext({
    env: { WXPROV_HOME: home, WXPROV_API_BASE: sim.url, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret },
    actor: 'bench',
  });
  try {
    const rssReady = process.memoryUsage().rss;
    const sync = await syncBench(ctx, sim, productId, (m) => process.stderr.write(`${m}\n`));
    process.stderr.write(`baseline: ${sync.calls} bare adddevice calls of ${sync.batch} ids\n`);
    const clientRate = await clientOnlyRate(ctx, productId, model, sync.ids, sync.batch);
    const out: SyncChildResult = { sync, clientRate, rssReady };
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    ctx.close();
    await sim.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
