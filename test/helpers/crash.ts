import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import type { WechatSim } from '../../main/core/sim/wechat-sim.js';
import { CLI_ENTRY, ROOT } from './cli.js';

// Crash tests: real `wxprov` children killed with SIGKILL while the simulator runs in the
// test process. Everything here is asynchronous on purpose: a spawnSync would block the
// event loop that serves the simulator, and the child would wait for an answer forever.

/** mulberry32: a small deterministic generator so a failing schedule can be replayed. */
export function prng(seed: number): { next(): number; int(lo: number, hi: number): number } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** Whether the process has exited already. */
  done(): boolean;
  /** SIGKILL it (if still running) and wait for the exit; `killed` says whether the signal landed. */
  kill(): Promise<Exit & { killed: boolean }>;
}

const live = new Set<Child>();

afterEach(async () => {
  // A failed assertion must not leave a child writing into the next test's temp dir.
  for (const c of [...live]) await c.kill();
});

/** The real CLI as a child process, as a user would start it. */
export function startCli(argv: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...argv], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let out = '';
  let err = '';
  let finished = false;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (out += d));
  child.stderr.on('data', (d: string) => (err += d));
  // 'close' rather than 'exit': by then every byte the child wrote has been read.
  const exited = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => {
      finished = true;
      resolve({ code, signal });
    }),
  );
  const c: Child = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    done: () => finished,
    async kill() {
      const killed = !finished && child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
      const e = await exited;
      live.delete(c);
      return { ...e, killed: killed && e.signal === 'SIGKILL' };
    },
  };
  live.add(c);
  void exited.then(() => live.delete(c));
  return c;
}

/** Runs the CLI to completion. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<Exit & { stdout: string; stderr: string; json?: any }> {
  const c = startCli(argv, env);
  const e = await c.exited;
  let json: unknown;
  try {
    json = JSON.parse(c.stdout());
  } catch {
    json = undefined;
  }
  return { ...e, stdout: c.stdout(), stderr: c.stderr(), json };
}

/** The environment a station child needs to talk to the simulator with its own data dir. */
export function simEnv(sim: WechatSim, home: string): NodeJS.ProcessEnv {
  return { WXPROV_HOME: home, WXPROV_API_BASE: sim.url, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret };
}

/** `product create --model M` and `config set station_code A1`, as real processes; the product id. */
export async function setupProduct(env: NodeJS.ProcessEnv): Promise<number> {
  const p = await runCli(['product', 'create', '--en', 'Crash', '--zh', '崩溃', '--default-name', 'crash', '--model', 'M', '--json'], env);
  if (p.code !== 0) throw new Error(`product create failed: ${p.stderr}`);
  const c = await runCli(['config', 'set', 'station_code', 'A1'], env);
  if (c.code !== 0) throw new Error(`config set failed: ${c.stderr}`);
  return p.json.product_id as number;
}

/** The station database, read-only (call only while no child is running, and close it). */
export function openLedger(home: string): Database.Database {
  return new Database(path.join(home, 'wxprov.db'), { readonly: true, fileMustExist: true });
}

export function withLedger<T>(home: string, f: (db: Database.Database) => T): T {
  const db = openLedger(home);
  try {
    return f(db);
  } finally {
    db.close();
  }
}

/** Resolves when `pred` holds (checked every `everyMs`), or when the child exits first (false). */
export function until(c: Child, pred: () => boolean, everyMs = 1): Promise<boolean> {
  return new Promise((resolve) => {
    if (pred()) return resolve(true);
    const t = setInterval(() => {
      if (pred()) {
        clearInterval(t);
        resolve(true);
      } else if (c.done()) {
        clearInterval(t);
        resolve(false);
      }
    }, everyMs);
  });
}

/** `PRAGMA integrity_check` and `foreign_key_check` on the ledger. */
export function integrity(db: Database.Database): { integrity: string; foreignKeyViolations: number } {
  const integrity = db.pragma('integrity_check', { simple: true }) as string;
  const fk = db.pragma('foreign_key_check') as unknown[];
  return { integrity, foreignKeyViolations: fk.length };
}

/** Every value that occurs more than once. */
export function repeated<T>(values: Iterable<T>): T[] {
  const seen = new Set<T>();
  const twice = new Set<T>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

/** For the sim's call log: the adddevice calls' id lists from `from` on. */
export function addDeviceLists(sim: WechatSim, from = 0, to = sim.state.calls.length): string[][] {
  return sim.state.calls
    .slice(from, to)
    .filter((c) => c.endpoint === 'adddevice')
    .map((c) => ((c.body as { device_id_list?: string[] }).device_id_list ?? []) as string[]);
}
