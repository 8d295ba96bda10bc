import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { goal, measure, ratio, type BenchSuite, type Metric } from './suite.js';
import { nowS } from './timing.js';

export interface CliBenchOptions {
  /** Starts of each kind (interleaved, so load on the machine hits both alike); the median counts. */
  runs: number;
  /** Starts through tsx, the way the CLI ran before it was compiled (slow: fewer). */
  tsxRuns: number;
}

export const CLI_DEFAULTS: CliBenchOptions = { runs: 21, tsxRuns: 5 };

/** Goal: `wxprov --version` as the user starts it costs at most 3x a bare `node -e 0`. */
export const START_GOAL = 3;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'wxprov.mjs');
const CLI_ENTRY = path.join(ROOT, 'main/core/cli/wxprov.ts');
const STAMP_MODULE = pathToFileURL(path.join(ROOT, 'scripts', 'cli-bundle.mjs')).href;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Wall milliseconds of one process, start to exit; it must exit 0. */
function startMs(args: string[]): number {
  const t = nowS();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = (nowS() - t) * 1000;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return ms;
}

interface Check {
  importMs: number;
  checkMs: number;
  /** Why it was stale (then it stopped at that file and its time is not a full check). */
  why?: string;
}

/** The freshness check as every `wxprov` start runs it: a fresh process, its module imported, then one check. */
function check(): Check {
  const code = `const t=performance.now();const m=await import(${JSON.stringify(STAMP_MODULE)});const a=performance.now();const why=m.staleReason();const b=performance.now();console.log(JSON.stringify({importMs:a-t,checkMs:b-a,why}))`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr.trim().split('\n').slice(-2).join(' | '));
  return JSON.parse(r.stdout) as Check;
}

export function cliSuite(o: CliBenchOptions = CLI_DEFAULTS): BenchSuite {
  return {
    name: 'cli',
    description: 'the CLI as users start it: `wxprov --version` through bin/wxprov.mjs (compiled) against a bare `node -e 0`, the freshness check, a rebuild',
    async run(log) {
      const metrics: Metric[] = [];
      // Not timed: brings out/cli up to date, as the first run after an edit would.
      startMs([BIN, '--version']);
      const node: number[] = [];
      const bin: number[] = [];
      log(`${o.runs} starts each of node -e 0 and wxprov --version, interleaved`);
      const nodeM = await measure({ key: 'node_start_ms', label: 'baseline: node -e 0', unit: 'ms' }, () => {
        for (let i = 0; i < o.runs; i++) {
          node.push(startMs(['-e', '0']));
          bin.push(startMs([BIN, '--version']));
        }
        return median(node);
      });
      nodeM.note = `median of ${o.runs}, ${process.version}`;
      const binM = await measure({ key: 'version_ms', label: 'wxprov --version (bin/wxprov.mjs, compiled)', unit: 'ms' }, () => median(bin));
      binM.note = `median of ${bin.length}; freshness check included`;
      const ratioM: Metric = { key: 'version_vs_node', label: '    wxprov --version / node -e 0', value: ratio(binM.value, nodeM.value), unit: 'x' };

      log(`${o.tsxRuns} starts through tsx, as before`);
      const tsxM = await measure({ key: 'version_tsx_ms', label: 'before: the sources through tsx', unit: 'ms' }, () =>
        median(Array.from({ length: o.tsxRuns }, () => startMs(['--import', 'tsx', CLI_ENTRY, '--version']))),
      );
      tsxM.note = `median of ${o.tsxRuns}; node --import tsx main/core/cli/wxprov.ts`;

      log('the freshness check in fresh processes');
      const checks: Check[] = [];
      const checkM = await measure({ key: 'stamp_check_ms', label: 'freshness check (stat every source)', unit: 'ms' }, () => {
        startMs([BIN, '--version']);
        for (let i = 0; i < 9; i++) checks.push(check());
        const full = checks.filter((c) => c.why === undefined);
        if (full.length === 0) throw new Error(`the sources kept changing (${checks[0].why})`);
        return median(full.map((c) => c.checkMs));
      });
      const fresh = checks.filter((c) => c.why === undefined);
      if (fresh.length) checkM.note = `median of ${fresh.length} cold runs; importing scripts/cli-bundle.mjs adds ${median(fresh.map((c) => c.importMs)).toFixed(2)} ms`;

      log('a rebuild into a scratch folder');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-cli-'));
      let files = 0;
      const buildM = await measure({ key: 'rebuild_ms', label: 'rebuild after a source change (esbuild)', unit: 'ms' }, async () => {
        const { buildCli } = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-cli.mjs')).href)) as {
          buildCli(o: { outfile: string; logLevel: string }): Promise<number>;
        };
        const t = nowS();
        files = await buildCli({ outfile: path.join(dir, 'wxprov.cjs'), logLevel: 'error' });
        return (nowS() - t) * 1000;
      });
      fs.rmSync(dir, { recursive: true, force: true });
      buildM.note = `${files} files; paid once by the first run after an edit`;

      metrics.push(nodeM, binM, ratioM, tsxM, checkM, buildM);
      return {
        metrics,
        goals: [goal('version_vs_node_goal', `wxprov --version / node -e 0 (goal ${START_GOAL}x)`, ratio(ratioM.value, START_GOAL), '<=', 1)],
        info: { node: process.version, cpus: os.cpus().length, load_1m: Number(os.loadavg()[0].toFixed(2)) },
      };
    },
  };
}
