import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

// SoftHSM2 (Debian's softhsm2) as the hardware token: its tokens live in a temp dir named by
// SOFTHSM2_CONF, which the module reads when a process first initialises it — so a test file
// makes all its tokens before anything loads the module, and sets the variable for the process.

const MODULES = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so'];

export const SOFTHSM_MODULE = MODULES.find((m) => fs.existsSync(m));

const has = (bin: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** SoftHSM2 and pkcs11-tool here; in CI (`CI=true`) their absence is a failure that says what to install. */
export function softhsmReady(): boolean {
  const ok = SOFTHSM_MODULE !== undefined && has('softhsm2-util') && has('pkcs11-tool');
  if (!ok && process.env.CI === 'true') throw new Error('SoftHSM2 and pkcs11-tool are needed: apt-get install softhsm2 opensc');
  return ok;
}

export interface SoftToken {
  label: string;
  pin: string;
  soPin: string;
  serial: string;
}

/**
 * A token dir of its own with these tokens initialised; SOFTHSM2_CONF set for this process (and
 * returned for children). It outlives the test that made it (the module keeps reading it):
 * `remove` when the file is done.
 */
export function softhsmTokens(labels: string[], o: { removable?: boolean; env?: boolean } = {}): { conf: string; dir: string; tokens: SoftToken[]; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-softhsm-'));
  const tokens = path.join(dir, 'tokens');
  fs.mkdirSync(tokens);
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = ${o.removable ? 'true' : 'false'}\n`);
  if (o.env !== false) process.env.SOFTHSM2_CONF = conf;
  const made = labels.map((label, i) => {
    const pin = `${1234560 + i}`;
    const soPin = `8765432${i}`;
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', pin], { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'pipe' });
    const shown = execFileSync('softhsm2-util', ['--show-slots'], { env: { ...process.env, SOFTHSM2_CONF: conf }, encoding: 'utf8' });
    const block = shown.split(/\n(?=Slot )/).find((b) => new RegExp(`Label:\\s+${label}\\s*$`, 'm').test(b)) ?? '';
    const serial = /Serial number:\s+(\S+)/.exec(block)?.[1] ?? '';
    return { label, pin, soPin, serial };
  });
  return { conf, dir: tokens, tokens: made, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** `pkcs11-tool --list-objects --type privkey` on a token: what the token itself says of its private keys. */
export function listPrivateKeys(conf: string, t: SoftToken): string {
  return execFileSync('pkcs11-tool', ['--module', SOFTHSM_MODULE!, '--token-label', t.label, '--login', '--pin', t.pin, '--list-objects', '--type', 'privkey'], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    encoding: 'utf8',
  });
}
