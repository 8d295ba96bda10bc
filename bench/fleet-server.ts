import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FleetClient } from '../main/core/fleet/client.js';
import { adminCall } from '../main/core/server/admin/admin-client.js';
import { TLS_DIR } from '../main/core/server/tls/certificate.js';

/**
 * The processes the fleet bench talks to, each a real `wxprov` process of its own (its CPU is
 * not the bench's): the WeChat backend simulator (`wxprov sim wechat`) and the factory server
 * (`wxprov server --database <postgres>`), and what a station does to join one.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI_ENTRY = path.join(ROOT, 'main/core/cli/wxprov.ts');

export interface Proc {
  child: ChildProcess;
  first: string;
  stderr(): string;
  /** CPU seconds (user + system) the process has used so far, from /proc; null where there is none. */
  cpuS(): number | null;
  stop(): Promise<void>;
}

const firstLine = (out: string) => {
  const nl = out.indexOf('\n');
  if (nl < 0) return undefined;
  // An error with --json is a document over several lines.
  return out.startsWith('{\n') ? wholeJson(out) : out.slice(0, nl);
};

/** A whole JSON document (printed over several lines). */
const wholeJson = (out: string) => {
  try {
    JSON.parse(out);
    return out;
  } catch {
    return undefined;
  }
};

/** `wxprov <argv>` through tsx, resolved with its first stdout line (or what `ready` finds complete). */
export async function startWxprov(
  argv: string[],
  env: NodeJS.ProcessEnv,
  what: string,
  ready: (out: string) => string | undefined = firstLine,
  /** 'ignore': its stderr goes nowhere (a simulated unit's line per request is its cost, not the reader's). */
  stderr: 'pipe' | 'ignore' = 'pipe',
): Promise<Proc> {
  // WXPROV_BENCH_NODE_ARGS: node flags for the server process (e.g. --cpu-prof, to see where its time goes).
  const nodeArgs = argv[0] === 'server' ? (process.env.WXPROV_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []) : [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', CLI_ENTRY, ...argv], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', stderr],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-100_000)));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} printed nothing in 120 s\n${err}`)), 120_000);
    const check = () => {
      const got = ready(out);
      if (got !== undefined) {
        clearTimeout(timer);
        resolve(got);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${child.exitCode} before it was ready\n${err}`));
    });
  });
  const tick = 100; // USER_HZ on Linux
  return {
    child,
    first,
    stderr: () => err,
    cpuS() {
      try {
        const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / tick;
      } catch {
        return null;
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface WechatSimProc extends Proc {
  url: string;
  appid: string;
  appsecret: string;
}

export async function startWechatSimProcess(): Promise<WechatSimProc> {
  const p = await startWxprov(['sim', 'wechat', '--json'], {}, 'wxprov sim wechat', wholeJson);
  const doc = JSON.parse(p.first) as { url: string; appid: string; appsecret: string };
  return { ...p, ...doc };
}

export interface ServerProc extends Proc {
  url: string;
  fingerprint: string;
  home: string;
  certPem: string;
  env: NodeJS.ProcessEnv;
}

export async function startServerProcess(home: string, databaseUrl: string, env: NodeJS.ProcessEnv): Promise<ServerProc> {
  const p = await startWxprov(['server', '--home', home, '--database', databaseUrl, '--listen', '127.0.0.1:0', '--json'], env, 'wxprov server');
  let doc: { url: string; fingerprint: string };
  try {
    doc = JSON.parse(p.first) as typeof doc;
    if (!doc.url) throw new Error('no url');
  } catch {
    await p.stop();
    throw new Error(`wxprov server did not start: ${p.first}\n${p.stderr()}`);
  }
  return { ...p, ...doc, home, env, certPem: fs.readFileSync(path.join(home, TLS_DIR, 'cert.pem'), 'utf8') };
}

export interface JoinedStation {
  code: string;
  credential: string;
  client: FleetClient;
}

/** Enrolled by the admin route (`wxprov server enroll`), joined with the code as a station does (`POST /v1/join`): its credential and a pinned client. */
export async function enrollAndJoin(server: ServerProc, code: string, o: { uplinkPending?: () => number } = {}): Promise<JoinedStation> {
  const e = await adminCall<{ station: string; code: string }>(server.home, 'POST', '/admin/enroll', { station: code }, { actor: 'bench' });
  const joining = new FleetClient({ url: server.url, certPem: server.certPem, fingerprint: server.fingerprint });
  let credential: string;
  try {
    credential = (await joining.join(e.code)).credential;
  } finally {
    joining.close();
  }
  const client = new FleetClient({ url: server.url, certPem: server.certPem, fingerprint: server.fingerprint, credential: () => credential, uplinkPending: o.uplinkPending });
  return { code, credential, client };
}
