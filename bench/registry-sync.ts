import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreContext } from '../main/core/context.js';
import { Settings } from '../main/core/registry/settings.js';
import { syncOnce } from '../main/core/registry/sync.js';
import type { WechatSim } from '../main/core/sim/wechat-sim.js';
import type { SyncChildResult } from './registry-sync-child.js';
import { nowS } from './timing.js';

/** Samples process RSS on an interval; `peak` is the largest sample (taken while the event loop breathes). */
export function rssSampler(everyMs = 5): { stop(): { peak: number; samples: number } } {
  let peak = process.memoryUsage.rss();
  let samples = 1;
  const t = setInterval(() => {
    const r = process.memoryUsage.rss();
    samples++;
    if (r > peak) peak = r;
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      const r = process.memoryUsage.rss();
      if (r > peak) peak = r;
      return { peak, samples: samples + 1 };
    },
  };
}

export interface SyncBenchResult {
  ids: number;
  batch: number;
  calls: number;
  expectedCalls: number;
  seconds: number;
  rate: number;
  rssBefore: number;
  rssPeak: number;
  rssSamples: number;
}

/**
 * (b) syncOnce over everything queued, against the in-process simulator, with the station's
 * default batch size. Peak RSS is sampled through the run; the sim's own state (every call it
 * received, every id it stored) lives in this process too and is counted.
 */
export async function syncBench(ctx: CoreContext, sim: WechatSim, productId: number, log: (m: string) => void): Promise<SyncBenchResult> {
  const ids = (ctx.db.prepare("SELECT COUNT(*) AS c FROM outbox WHERE state = 'pending'").get() as { c: number }).c;
  const batch = new Settings(ctx.db).batchSize();
  const addCallsBefore = sim.state.calls.filter((c) => c.endpoint === 'adddevice').length;
  log(`syncOnce of ${ids.toLocaleString('en-US')} queued ids, batch ${batch}`);
  const rssBefore = process.memoryUsage().rss;
  const sampler = rssSampler();
  const start = nowS();
  let lastShown = 0;
  const r = await syncOnce(ctx, {
    onProgress: (p) => {
      if (p.done - lastShown >= 25_000) {
        lastShown = p.done;
        log(`  ${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')}`);
      }
    },
  });
  const seconds = nowS() - start;
  const rss = sampler.stop();
  if (r.error) throw new Error(`sync stopped: ${r.error.code} ${r.error.message_en}`);
  if (r.synced !== ids || r.failed !== 0 || r.pending !== 0) throw new Error(`synced ${r.synced}, failed ${r.failed}, pending ${r.pending} of ${ids}`);
  // Not timed: the platform really got every id, and the ledger says so.
  const onPlatform = sim.state.products.get(productId)?.device_ids.size ?? 0;
  if (onPlatform < ids) throw new Error(`the simulator holds ${onPlatform} ids, expected ${ids}`);
  const sent = sim.state.calls.filter((c) => c.endpoint === 'adddevice').length - addCallsBefore;
  if (sent !== r.calls) throw new Error(`syncOnce counted ${r.calls} calls, the simulator saw ${sent}`);
  const unsynced = (ctx.db.prepare('SELECT COUNT(*) AS c FROM devices WHERE product_id = ? AND synced_at IS NULL').get(productId) as { c: number }).c;
  if (unsynced !== 0) throw new Error(`${unsynced} ledger rows without synced_at`);
  return {
    ids,
    batch,
    calls: r.calls,
    expectedCalls: Math.ceil(ids / batch),
    seconds,
    rate: ids / seconds,
    rssBefore,
    rssPeak: rss.peak,
    rssSamples: rss.samples,
  };
}

/**
 * The baseline for sync speed: the same number of adddevice calls of the same size through the
 * same client to the same simulator, with no ledger (no paging, no marking, no audit).
 */
export async function clientOnlyRate(ctx: CoreContext, productId: number, model: string, ids: number, batch: number): Promise<number> {
  const client = ctx.wechat();
  const start = nowS();
  for (let i = 0; i < ids; i += batch) {
    const list: string[] = [];
    for (let k = i; k < Math.min(ids, i + batch); k++) list.push(`BASE${String(k).padStart(9, '0')}`);
    await client.addDevice(productId, model, list);
  }
  return ids / (nowS() - start);
}

/**
 * How the syncing process runs: `tsx` as the CLI runs today (bin/wxprov.mjs registers tsx, whose
 * loader thread and compiler cost ~50 MB of RSS before any work), or `bundled`: the same code
 * compiled to one JavaScript file (esbuild, as a packaged app would ship it) run by plain node.
 */
export type ChildMode = 'tsx' | 'bundled';

/** The repository root (a function: the bundled child has no import.meta, and never calls it). */
const root = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const childEntry = () => path.join(root(), 'bench', 'registry-sync-child.ts');

/** Compiles the child to one CommonJS file in `dir` (better-sqlite3 stays outside: it is native). */
async function bundleChild(dir: string): Promise<string> {
  // esbuild comes with tsx (its compiler); imported late so that a missing one fails this run only.
  const esbuild = await import('esbuild');
  const outfile = path.join(dir, 'registry-sync-child.cjs');
  await esbuild.build({ entryPoints: [childEntry()], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['better-sqlite3'], logLevel: 'error' });
  return outfile;
}

/**
 * Runs (b) in a fresh process (bench/registry-sync-child.ts) and returns what it measured.
 * Its stderr (progress) is passed to `log`.
 */
export async function runSyncChild(home: string, productId: number, model: string, mode: ChildMode, log: (m: string) => void): Promise<SyncChildResult> {
  const args = [home, String(productId), model];
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  const bundleDir = mode === 'bundled' ? fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-bundle-')) : undefined;
  try {
    let argv: string[];
    if (bundleDir === undefined) argv = ['--import', 'tsx', childEntry(), ...args];
    else {
      argv = [await bundleChild(bundleDir), ...args];
      env.NODE_PATH = path.join(root(), 'node_modules'); // where the bundle finds better-sqlite3
    }
    return await runChild(argv, env, mode, log);
  } finally {
    if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
  }
}

async function runChild(argv: string[], env: NodeJS.ProcessEnv, mode: ChildMode, log: (m: string) => void): Promise<SyncChildResult> {
  const child = spawn(process.execPath, argv, { cwd: root(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const line of d.split('\n')) if (line.trim()) log(`  [sync process, ${mode}] ${line}`);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`the sync process (${mode}) exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(out.trim().split('\n').pop()!) as SyncChildResult;
}
