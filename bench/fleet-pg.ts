import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../test/helpers/free-port.js';
import { pgBinDir } from '../test/helpers/pg-cluster.js';
import { onServer } from '../test/helpers/pg-client.js';
export { onServer };

/**
 * Real PostgreSQL for the fleet bench: WXPROV_BENCH_DATABASE_URL's server when that is set (a
 * database per phase is created on it and dropped after), else a cluster of this run's own
 * (initdb + pg_ctl, PostgreSQL 15's binaries as the tests find them; as root it runs as the
 * `postgres` user), durable as a factory server's would be — fsync and synchronous_commit on,
 * unlike the tests' throwaway cluster — with a server's usual sizing (shared_buffers 1 GB,
 * max_wal_size 8 GB). Removed at the end.
 */
export interface BenchPg {
  /** postgres://… of the maintenance database. */
  url: string;
  /** What the cluster runs with, for the report. */
  settings: string;
  /** CPU seconds the cluster's processes have used so far (live ones, and the ones its postmaster reaped); null for a server not started here. */
  cpuS(): number | null;
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const SETTINGS = ['shared_buffers=1GB', 'max_wal_size=8GB', 'checkpoint_timeout=30min', 'max_connections=200', 'work_mem=16MB', 'maintenance_work_mem=512MB'];

const isRoot = () => process.getuid?.() === 0;

function asOwner(bin: string, args: string[], cwd: string): string {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
}

/** Fields 14-17 of /proc/<pid>/stat: utime, stime, cutime, cstime, in clock ticks (100 a second). */
function procTimes(pid: string): number[] | undefined {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return f.slice(f.lastIndexOf(')') + 2).split(' ').slice(11, 15).map(Number);
  } catch {
    return undefined;
  }
}

/** A postmaster's CPU and its children's: the reaped ones are in its cutime/cstime, the live ones are read one by one. */
export function clusterCpuS(postmaster: string | undefined): number | null {
  if (!postmaster) return null;
  const own = procTimes(postmaster);
  if (!own) return null;
  let ticks = own[0] + own[1] + own[2] + own[3];
  try {
    const children = fs.readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const c of children) {
      const t = procTimes(c);
      if (t) ticks += t[0] + t[1];
    }
  } catch {
    return null;
  }
  return ticks / 100;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function databases(url: string): Pick<BenchPg, 'createDatabase' | 'dropDatabase'> {
  return {
    async createDatabase(name) {
      await onServer(url, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${name}`);
      });
      return withDatabase(url, name);
    },
    async dropDatabase(name) {
      await onServer(url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

export async function startBenchPg(log: (m: string) => void): Promise<BenchPg> {
  const given = process.env.WXPROV_BENCH_DATABASE_URL;
  if (given) return { url: given, settings: 'WXPROV_BENCH_DATABASE_URL (its own settings)', cpuS: () => clusterCpuS(process.env.WXPROV_BENCH_PG_PID), ...databases(given), stop: async () => {} };
  const bin = pgBinDir();
  if (!bin) throw new Error('no PostgreSQL binaries (initdb, pg_ctl): apt-get install -y postgresql, or set WXPROV_BENCH_DATABASE_URL');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-pg-'));
  fs.chmodSync(dir, 0o700);
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  log(`PostgreSQL cluster in ${dir} (${bin})`);
  asOwner(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale'], dir);
  const port = await freePort();
  const opts = [`-c listen_addresses=127.0.0.1`, `-p ${port}`, `-c unix_socket_directories=''`, ...SETTINGS.map((s) => `-c ${s}`)].join(' ');
  asOwner(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'postgres.log'), '-w', '-t', '60', '-o', opts, 'start'], dir);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const version = await onServer(url, async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version);
  const postmaster = fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0].trim();
  return {
    url,
    cpuS: () => clusterCpuS(postmaster),
    settings: `PostgreSQL ${version}, fsync on, synchronous_commit on, ${SETTINGS.join(', ')}`,
    ...databases(url),
    async stop() {
      try {
        asOwner(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', '-m', 'fast', 'stop'], dir);
      } catch {
        // already gone
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `COPY … FROM STDIN` through `pg` without pg-copy-streams (not installed): a Submittable that
 * sends the statement, then the chunks as CopyData with the socket's backpressure, then
 * CopyDone. Resolves with the rows COPY reports.
 */
class CopyIn {
  callback?: (err: Error | null, n?: number) => void;
  private rows = 0;
  private stopped = false;

  constructor(
    private readonly text: string,
    private readonly chunks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>,
  ) {}

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    void (async () => {
      try {
        for await (const chunk of this.chunks) {
          if (this.stopped) return;
          connection.sendCopyFromChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
          if (connection.stream.writableNeedDrain) await new Promise((r) => connection.stream.once('drain', r));
        }
        connection.endCopyFrom();
      } catch (e) {
        connection.sendCopyFail((e as Error).message);
      }
    })();
  }

  handleCommandComplete(msg: { text?: string }): void {
    const m = /COPY (\d+)/.exec(msg.text ?? '');
    if (m) this.rows = Number(m[1]);
  }

  /** pg drops a query from its queue on an error (the ReadyForQuery after it goes to no one): answer now. */
  handleError(err: Error): void {
    this.stopped = true;
    this.done(err);
  }

  handleReadyForQuery(): void {
    this.done(null);
  }

  private done(err: Error | null): void {
    const cb = this.callback;
    this.callback = undefined;
    cb?.(err, this.rows);
  }

  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCopyData(): void {}
}

interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(msg: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain: boolean };
}

export function copyIn(client: pg.Client | pg.PoolClient, sql: string, chunks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>): Promise<number> {
  return new Promise((resolve, reject) => {
    const q = new CopyIn(sql, chunks);
    q.callback = (err, n) => (err ? reject(err) : resolve(n ?? 0));
    void client.query(q as unknown as pg.QueryConfig);
  });
}

/** A value in COPY's text format (tab-separated, \N for null). */
export function copyField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = String(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}
