import fs from 'node:fs';

/**
 * Owner-only permissions for everything the station keeps in its data dir: the ledger holds
 * sealed private keys and the whole production record. Directories are 0700 and files 0600;
 * one found wider (made by an older version, or by hand under a loose umask) is tightened and
 * reported, so the caller can log it. Windows has no such modes (chmod only toggles read-only):
 * there this does nothing, and the data dir's ACL is the profile's.
 */
export interface Tightened {
  path: string;
  from: string;
  to: string;
}

export type OnTightened = (t: Tightened) => void;

const octal = (m: number) => m.toString(8).padStart(4, '0');

function tighten(p: string, want: number, report: OnTightened | undefined, platform: NodeJS.Platform): void {
  if (platform === 'win32') return;
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const mode = st.mode & 0o777;
  if ((mode & 0o077) === 0) return;
  // Never someone else's, nor a shared sticky dir like /tmp (WXPROV_HOME=/tmp by mistake): run
  // as root, chmod would succeed and lock every other user out of it.
  if (st.mode & 0o1000 || (process.getuid && st.uid !== process.getuid())) return;
  fs.chmodSync(p, want);
  report?.({ path: p, from: octal(mode), to: octal(want) });
}

/** Creates `dir` (and missing parents) owner-only, or tightens it if it is wider. */
export function ensurePrivateDir(dir: string, report?: OnTightened, platform: NodeJS.Platform = process.platform): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700, report, platform);
}

/** Tightens `file` to 0600 if it exists and is wider. */
export function tightenFile(file: string, report?: OnTightened, platform: NodeJS.Platform = process.platform): void {
  tighten(file, 0o600, report, platform);
}

/** Creates `file` empty and owner-only if missing (so a library that creates it 0644 finds it there), then tightens it. */
export function ensurePrivateFile(file: string, report?: OnTightened, platform: NodeJS.Platform = process.platform): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  tightenFile(file, report, platform);
}
