import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Db } from '../db/open.js';

/**
 * Which computer this is, so a data dir copied to another computer is noticed before both mint
 * ids with the same station code. The source is what the OS keeps stable across reboots and
 * what the CLI and the Electron app both read alike: /etc/machine-id (Linux), IOPlatformUUID
 * (macOS), MachineGuid (Windows), else the host name. Only a SHA-256 digest is ever stored or
 * shown: the raw id is something other software uses to identify the machine.
 *
 * WXPROV_MACHINE_ID overrides the source. It is for tests (to run the real CLI as "another
 * computer") and for disk images cloned to many stations, whose /etc/machine-id is the same.
 */
export interface MachineSources {
  platform: NodeJS.Platform;
  readFile(file: string): string | undefined;
  run(cmd: string, args: string[]): string | undefined;
  hostname(): string;
}

const nodeSources: MachineSources = {
  platform: process.platform,
  readFile(file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  run(cmd, args) {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000, windowsHide: true, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return undefined;
    }
  },
  hostname: () => os.hostname(),
};

/** The best raw identity the OS offers, tagged with where it came from. Never stored. */
export function machineSource(s: MachineSources): string {
  if (s.platform === 'linux' || s.platform === 'freebsd' || s.platform === 'openbsd') {
    for (const f of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
      const v = s.readFile(f)?.trim();
      if (v) return `machine-id:${v}`;
    }
  } else if (s.platform === 'darwin') {
    const m = s.run('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice'])?.match(/"IOPlatformUUID"\s*=\s*"([^"]+)"/);
    if (m) return `IOPlatformUUID:${m[1]}`;
  } else if (s.platform === 'win32') {
    // /reg:64 first: a 32-bit process would otherwise read the WOW64 view, which has no MachineGuid.
    for (const extra of [['/reg:64'], []]) {
      const m = s.run('reg', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid', ...extra])?.match(/MachineGuid\s+REG_SZ\s+(\S+)/);
      if (m) return `MachineGuid:${m[1]}`;
    }
  }
  return `hostname:${s.hostname()}`;
}

export const machineDigest = (raw: string): string => crypto.createHash('sha256').update(`wxprov-machine\0${raw}`).digest('hex');

let ours: string | undefined;

/** This computer's digest; `override` is WXPROV_MACHINE_ID. */
export function machineId(override?: string, s: MachineSources = nodeSources): string {
  if (override) return machineDigest(`override:${override}`);
  if (s !== nodeSources) return machineDigest(machineSource(s));
  // ioreg and reg take tens of milliseconds; the answer cannot change while the process runs.
  return (ours ??= machineDigest(machineSource(s)));
}

const byDb = new WeakMap<Db, string>();

/** Ties the machine a context was built for to its database, for code that only has the db. */
export function useMachine(db: Db, digest: string): void {
  byDb.set(db, digest);
}

/** The machine `db` is used on: the one its context said, else this process's own. */
export function machineOf(db: Db): string {
  return byDb.get(db) ?? machineId(process.env.WXPROV_MACHINE_ID?.trim() || undefined);
}
