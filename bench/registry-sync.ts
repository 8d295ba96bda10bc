import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createContext, type CoreContext } from '../main/core/context.js';
import { Settings } from '../main/core/registry/settings.js';
import type { SyncResult } from '../main/core/registry/sync.js';
import { startWechatSim, type WechatSim } from '../main/core/sim/wechat-sim.js';
import { nowS } from './timing.js';

/**
 * How the syncing process is started: `bin` as the user runs it (`wxprov sync`, bin/wxprov.mjs:
 * the compiled CLI, plain node), or `tsx`: the sources through tsx, as the CLI ran before it
 * was compiled (tsx's loader thread and compiler cost ~50 MB of RSS before any work).
 */
export type SyncMode = 'bin' | 'tsx';

export interface SyncRun {
  ids: number;
  batch: number;
  calls: number;
  expectedCalls: number;
  /** The whole process, start to exit. */
  seconds: number;
  rate: number;
  /** The process's peak resident set (getrusage ru_maxrss), in bytes. */
  rssPeak: number;
  /** Bare adddevice calls per second: same simulator, client, batch size and number of calls, no ledger. */
  clientRate: number;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'wxprov.mjs');
const CLI_ENTRY = path.join(ROOT, 'main/core/cli/wxprov.ts');

/**
 * Preloaded into the syncing process (`node --require`): writes its peak RSS as it exits. The
 * kernel's own high-water mark, so no sample can miss the peak; `wxprov` exits through
 * process.exit, which runs 'exit' listeners.
 */
const PEAK_HOOK = `require('node:process').on('exit', () => require('node:fs').writeFileSync(process.env.WXPROV_BENCH_PEAK_FILE, String(process.resourceUsage().maxRSS * 1024)));\n`;

/** A simulator that already holds the product (the bench recorded it in the ledger only). */
async function simWithProduct(productId: number): Promise<WechatSim> {
  const sim = await startWechatSim();
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
  return sim;
}

/**
 * (b) `wxprov sync --json` over everything queued in `home`, in a process of its own started
 * as `mode` says, against the simulator in this process (as a user's station talks to the
 * platform over the network). Checked afterwards, not timed: every id reached the platform in
 * ceil(N/batch) calls and the ledger says so. Then the bare-calls baseline, from this process.
 */
export async function runSyncProcess(home: string, productId: number, model: string, mode: SyncMode, log: (m: string) => void): Promise<SyncRun> {
  const queued = withDb(home, (db) => (db.prepare("SELECT COUNT(*) AS c FROM outbox WHERE state = 'pending'").get() as { c: number }).c);
  const sim = await simWithProduct(productId);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-rss-'));
  try {
    const hook = path.join(scratch, 'peak-rss.cjs');
    const peakFile = path.join(scratch, 'peak');
    fs.writeFileSync(hook, PEAK_HOOK);
    const env = { WXPROV_HOME: home, WXPROV_API_BASE: sim.url, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_BENCH_PEAK_FILE: peakFile };
    const start = mode === 'bin' ? [BIN] : ['--import', 'tsx', CLI_ENTRY];
    const t = nowS();
    const out = await run(['--require', hook, ...start, 'sync', '--json'], env, mode, log);
    const seconds = nowS() - t;
    const r = JSON.parse(out) as SyncResult;
    if (r.error) throw new Error(`sync stopped: ${r.error.code} ${r.error.message_en}`);
    if (r.synced !== queued || r.failed !== 0 || r.pending !== 0) throw new Error(`synced ${r.synced}, failed ${r.failed}, pending ${r.pending} of ${queued}`);
    const onPlatform = sim.state.products.get(productId)?.device_ids.size ?? 0;
    if (onPlatform < queued) throw new Error(`the simulator holds ${onPlatform} ids, expected ${queued}`);
    const sent = sim.state.calls.filter((c) => c.endpoint === 'adddevice').length;
    if (sent !== r.calls) throw new Error(`sync counted ${r.calls} calls, the simulator saw ${sent}`);
    const unsynced = withDb(home, (db) => (db.prepare('SELECT COUNT(*) AS c FROM devices WHERE product_id = ? AND synced_at IS NULL').get(productId) as { c: number }).c);
    if (unsynced !== 0) throw new Error(`${unsynced} ledger rows without synced_at`);
    const ctx = createContext({ env: { WXPROV_HOME: home, WXPROV_API_BASE: sim.url, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret }, actor: 'bench' });
    try {
      const batch = new Settings(ctx.db).batchSize();
      log(`baseline: ${r.calls} bare adddevice calls of ${batch} ids`);
      const clientRate = await clientOnlyRate(ctx, productId, model, queued, batch);
      return { ids: queued, batch, calls: r.calls, expectedCalls: Math.ceil(queued / batch), seconds, rate: queued / seconds, rssPeak: Number(fs.readFileSync(peakFile, 'utf8')), clientRate };
    } finally {
      ctx.close();
    }
  } finally {
    await sim.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function withDb<T>(home: string, f: (db: Database.Database) => T): T {
  const db = new Database(path.join(home, 'wxprov.db'), { readonly: true, fileMustExist: true });
  try {
    return f(db);
  } finally {
    db.close();
  }
}

/** The child's stdout; its stderr (the progress bar) goes to `log`. Async: the simulator answers from this event loop. */
async function run(argv: string[], env: NodeJS.ProcessEnv, mode: SyncMode, log: (m: string) => void): Promise<string> {
  const child = spawn(process.execPath, argv, { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    const last = d.split(/[\r\n]/).filter((l) => l.trim()).pop();
    if (last && !/\d+%/.test(last)) log(`  [wxprov sync, ${mode}] ${last}`);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`wxprov sync (${mode}) exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
  return out;
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
