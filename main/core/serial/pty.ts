import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { WxError } from '../errors/wx-error.js';
import { streamLink, type Link } from './link.js';

export interface PtyPair {
  /** Where the station opens it (a symlink to /dev/pts/N). */
  path: string;
  /** The unit's end: socat's stdio. */
  link: Link;
  /** Stops socat and removes the link path. */
  close(): Promise<void>;
}

export interface PtyOptions {
  /** How long socat may take to create the link; 5 s. */
  readyMs?: number;
  /** The socat binary; `socat` on PATH. */
  socat?: string;
}

const lstat = (p: string): fs.Stats | undefined => {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
};

const readlink = (p: string): string | undefined => {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
};

/**
 * A pseudo-terminal pair through socat: the station opens `linkPath` as if it were a USB
 * serial adapter (a real tty, through serialport), and whatever is written to `link` comes
 * out there, and back. socat exits by itself when this process dies (its stdin closes).
 * socat outlives the station closing and re-opening the path.
 */
export async function openPtyPair(linkPath: string, o: PtyOptions = {}): Promise<PtyPair> {
  const existing = lstat(linkPath);
  // socat replaces whatever is at the link path: never let it eat a real file.
  if (existing && !existing.isSymbolicLink()) throw new WxError('SIM_PTY_FAILED', { link: linkPath, detail: 'it exists and is not a symlink' });

  // Its own process group, so a Ctrl-C meant for us does not kill it before we clean up.
  const child = spawn(o.socat ?? 'socat', ['-d', '-d', `pty,raw,echo=0,link=${linkPath}`, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d;
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const kill = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exit;
      clearTimeout(t);
    }
    if (lstat(linkPath)?.isSymbolicLink()) fs.rmSync(linkPath, { force: true });
  };

  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + (o.readyMs ?? 5000);
    let timer: NodeJS.Timeout | undefined;
    let ready = false;
    const fail = (e: WxError) => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      kill().finally(() => reject(e));
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') exited = true;
      fail(e.code === 'ENOENT' ? new WxError('SIM_NEEDS_SOCAT', {}, { cause: e }) : new WxError('SIM_PTY_FAILED', { link: linkPath, detail: e.message }, { cause: e }));
    });
    const socatSaid = () => {
      const errs = stderr.split('\n').filter((l) => / [EF] /.test(l));
      return (errs.length ? errs : stderr.trim().split('\n').slice(-1)).map((l) => l.replace(/^.*socat\[\d+\] [A-Z] /, '')).join('; ');
    };
    child.once('exit', (code) => fail(new WxError('SIM_PTY_FAILED', { link: linkPath, detail: `socat exited ${code}: ${socatSaid()}` })));
    const check = () => {
      if (exited) return;
      // Ready once socat has said which pty it made and pointed the link at it.
      const made = /PTY is (\S+)/.exec(stderr)?.[1];
      if (made && readlink(linkPath) === made) {
        ready = true;
        return resolve();
      }
      if (Date.now() > deadline) return fail(new WxError('SIM_PTY_FAILED', { link: linkPath, detail: `socat did not create it within ${o.readyMs ?? 5000} ms` }));
      timer = setTimeout(check, 10);
    };
    check();
  });

  const link = streamLink(linkPath, child.stdout, child.stdin);
  return {
    path: linkPath,
    link,
    async close() {
      await link.close();
      await kill();
    },
  };
}
