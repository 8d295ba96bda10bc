import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './free-port.js';

/**
 * A throwaway PostgreSQL cluster for the server's tests: Debian's PostgreSQL 15 binaries
 * (`apt-get install postgresql`; .ci/run installs it), a data dir under the run's temp root,
 * 127.0.0.1 on a free port, trust auth, no durability (fsync off: it is thrown away). Started
 * by the first test file that asks (several vitest workers may: a lock dir makes it one
 * cluster), stopped and removed by the global teardown (test/global-pg.ts). PostgreSQL refuses
 * to run as root, so as root it runs as the `postgres` user, in a folder that user owns.
 */
export interface Cluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
}

const STATE = 'cluster.json';

function has(dir: string | undefined): dir is string {
  return !!dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'));
}

/** Where initdb and pg_ctl are: WXPROV_PG_BINDIR, `pg_config --bindir`, or Debian's /usr/lib/postgresql/<n>/bin. */
export function pgBinDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (has(env.WXPROV_PG_BINDIR)) return env.WXPROV_PG_BINDIR;
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (has(dir)) return dir;
  } catch {
    // no pg_config (or only the client's)
  }
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => path.join(base, v, 'bin')).find(has);
}

/** Why real PostgreSQL cannot be had here, or undefined when it can. */
export function pgUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.WXPROV_TEST_DATABASE_URL) return undefined;
  if (pgBinDir(env)) return undefined;
  return 'no PostgreSQL binaries (initdb, pg_ctl): apt-get install -y postgresql (Debian: PostgreSQL 15), or set WXPROV_TEST_DATABASE_URL to a server the tests may create databases on';
}

const isRoot = () => process.getuid?.() === 0;

function asOwner(bin: string, args: string[], opts: { cwd: string }): string {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { ...opts, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

async function withLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(root, 'lock');
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() > until) throw new Error(`the test PostgreSQL lock ${lock} was held for 2 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

const urlFor = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

/** The run's cluster, started now if no test file started it yet. */
export async function ensureCluster(root: string): Promise<Cluster> {
  return withLock(root, async () => {
    const state = path.join(root, STATE);
    if (fs.existsSync(state)) {
      const { port } = JSON.parse(fs.readFileSync(state, 'utf8')) as { port: number };
      return { url: urlFor(port), port };
    }
    const bin = pgBinDir();
    if (!bin) throw new Error(pgUnavailable());
    const dir = path.join(root, 'cluster');
    fs.mkdirSync(dir, { mode: 0o700 });
    if (isRoot()) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      fs.chownSync(dir, uid, gid);
    }
    const data = path.join(dir, 'data');
    asOwner(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync'], { cwd: dir });
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const opts = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
      try {
        asOwner(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'postgres.log'), '-w', '-t', '60', '-o', opts, 'start'], { cwd: dir });
        fs.writeFileSync(state, JSON.stringify({ port, data, bin }));
        return { url: urlFor(port), port };
      } catch (e) {
        lastError = e; // most likely the port was taken between the probe and the start
      }
    }
    throw new Error(`the test PostgreSQL did not start: ${(lastError as Error)?.message}\n${readLog(dir)}`);
  });
}

const readLog = (dir: string) => {
  try {
    return fs.readFileSync(path.join(dir, 'postgres.log'), 'utf8').slice(-2000);
  } catch {
    return '';
  }
};

/** Stops the run's cluster if one was started (the global teardown). */
export function stopCluster(root: string): void {
  const state = path.join(root, STATE);
  if (!fs.existsSync(state)) return;
  const { data, bin } = JSON.parse(fs.readFileSync(state, 'utf8')) as { data: string; bin: string };
  try {
    asOwner(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '30', '-m', 'immediate', 'stop'], { cwd: root });
  } catch {
    // Already gone: nothing to stop.
  }
  fs.rmSync(state, { force: true });
}
