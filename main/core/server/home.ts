import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../config/private-files.js';
import { WxError } from '../errors/wx-error.js';
import { parseFingerprint } from '../fleet/fingerprint.js';

/**
 * The server's home (`wxprov server --home <dir>`): `tls/` (its certificate and key),
 * `pgdata/` (the embedded store), `logs/`, `server.lock` (held while a server runs from it) and
 * `server.json` (written once it listens: what the admin commands need to reach it). All
 * owner-only, like a station's data dir.
 */
export const SERVER_JSON = 'server.json';
export const SERVER_LOCK = 'server.lock';

/** The home a command names, as an absolute path (a relative --home is taken from the current directory, as any path argument is). */
export function serverHome(dir: string): string {
  return path.resolve(dir);
}

/** Written whole or not at all (temp file 0600, then rename), so a reader never sees half of it and it is never wider than 0600. */
export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/**
 * Everything under `dir` made owner-only (files 0600, folders 0700). PGlite writes its files
 * with the modes the WebAssembly file system asks for (0666 less the umask), so the embedded
 * store's folder is tightened at each start; the server process also runs with umask 077
 * (cli/commands/server.ts), so what it creates later is owner-only from the start.
 */
export function tightenTree(dir: string): void {
  if (process.platform === 'win32' || !fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    if (e.isSymbolicLink()) continue;
    const want = e.isDirectory() ? 0o700 : 0o600;
    if ((fs.statSync(p).mode & 0o077) !== 0) fs.chmodSync(p, want);
  }
}

/** Whether a process with this id is alive (EPERM: it is, and belongs to someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One server per home: the embedded store is one process's files, and server.json names one
 * server. A lock left by a process that is gone (a SIGKILL, a power cut) is taken over.
 * Returns the release.
 */
export function lockServerHome(home: string): () => void {
  ensurePrivateDir(home);
  const lock = path.join(home, SERVER_LOCK);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const pid = Number.parseInt(readOr(lock, ''), 10);
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new WxError('FLEET_SERVER_RUNNING', { home, pid, lock });
      fs.rmSync(lock, { force: true });
    }
  }
  return () => {
    if (readOr(lock, '').trim() === String(process.pid)) fs.rmSync(lock, { force: true });
  };
}

const readOr = (file: string, fallback: string): string => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
};

/** What the admin commands read to reach the server running from a home. */
export interface ServerJson {
  url: string;
  fingerprint: string;
  admin_token: string;
  pid: number;
}

export function writeServerJson(home: string, doc: ServerJson): void {
  writePrivateFile(path.join(home, SERVER_JSON), JSON.stringify(doc, null, 2) + '\n');
}

/** Removed on a clean stop; only this process's own (a newer server's file stays). */
export function removeServerJson(home: string, pid = process.pid): void {
  const file = path.join(home, SERVER_JSON);
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ServerJson>;
    if (doc.pid === pid) fs.rmSync(file, { force: true });
  } catch {
    // Missing or unreadable: nothing of ours to remove.
  }
}

/** The running server's server.json, checked: FLEET_SERVER_NOT_RUNNING when there is none, or its process is gone. */
export function readServerJson(home: string): ServerJson {
  const file = path.join(home, SERVER_JSON);
  const notRunning = (detail: string): never => {
    throw new WxError('FLEET_SERVER_NOT_RUNNING', { home, detail });
  };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return notRunning((e as NodeJS.ErrnoException).code === 'ENOENT' ? `no ${SERVER_JSON}` : `${SERVER_JSON} unreadable`);
  }
  let doc: Partial<ServerJson>;
  try {
    doc = JSON.parse(text) as Partial<ServerJson>;
  } catch {
    return notRunning(`${SERVER_JSON} is not JSON`);
  }
  const fingerprint = parseFingerprint(doc.fingerprint);
  if (typeof doc.url !== 'string' || !fingerprint || typeof doc.admin_token !== 'string' || typeof doc.pid !== 'number') return notRunning(`${SERVER_JSON} is incomplete`);
  if (!alive(doc.pid)) return notRunning(`process ${doc.pid} is gone`);
  return { url: doc.url, fingerprint, admin_token: doc.admin_token, pid: doc.pid };
}
