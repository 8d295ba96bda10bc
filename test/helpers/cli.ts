import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../main/core/cli/run.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI_ENTRY = path.join(ROOT, 'main/core/cli/wxprov.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is one JSON document. */
  json?: any;
}

const collect = () => {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d) => (text += d));
  return { s, text: () => text };
};

const parse = (stdout: string) => {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
};

/** Runs the CLI in this process (fast) with its own streams and environment. */
export async function cli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const out = collect();
  const err = collect();
  const code = await runCli(argv, { stdout: out.s, stderr: err.s, env });
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out.text(), stderr: err.text(), json: parse(out.text()) };
}

/** Runs the real CLI as a child process, as a user would (`node --import tsx`). */
export function cliProcess(argv: string[], env: NodeJS.ProcessEnv, input?: string): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...argv], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: parse(r.stdout) };
}

/** Starts the real CLI as a long-running child (e.g. `sim wechat`) and resolves its first stdout line. */
export function cliDaemon(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...argv], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing a line`)));
  });
  const stopped = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, firstLine, output: () => out, stop: () => (child.kill('SIGINT'), stopped) };
}
