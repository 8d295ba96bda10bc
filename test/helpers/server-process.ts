import { spawn, type ChildProcess } from 'node:child_process';
import type { StoreKind } from '../../main/core/server/db/server-db.js';
import { CLI_ENTRY, ROOT } from './cli.js';
import { createTestDatabase, type TestDatabase } from './pg.js';

export interface ServerProcess {
  url: string;
  fingerprint: string;
  database: StoreKind;
  home: string;
  child: ChildProcess;
  /** The database the server uses (postgres runs), for the test to look into. */
  databaseUrl?: string;
  stdout(): string;
  stderr(): string;
  /** SIGINT (Ctrl-C), then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `wxprov server --home <home> --listen 127.0.0.1:0 --json` as a real process (through tsx, as
 * the CLI tests run it), on the embedded store or on a fresh real PostgreSQL database; resolves
 * with its first stdout line once it listens.
 */
export async function startServerProcess(o: { home: string; kind: StoreKind; env: NodeJS.ProcessEnv; database?: TestDatabase; args?: string[] }): Promise<ServerProcess> {
  const database = o.kind === 'postgres' ? (o.database ?? (await createTestDatabase())) : undefined;
  const args = ['server', '--home', o.home, '--listen', '127.0.0.1:0', '--json', ...(database ? ['--database', database.url] : []), ...(o.args ?? [])];
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed nothing in 90 s\n${err}`)), 90_000);
    const check = () => {
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited ${code} before listening\n${err}`));
    });
  });
  const doc = JSON.parse(first) as { url: string; fingerprint: string; database: StoreKind };
  return {
    ...doc,
    home: o.home,
    child,
    databaseUrl: database?.url,
    stdout: () => out,
    stderr: () => err,
    stop: (signal = 'SIGINT') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
