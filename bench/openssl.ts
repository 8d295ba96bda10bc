import { execFile, execFileSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { publicKeyPem, verifyDeviceId } from '../main/core/keys/ecdsa.js';
import { nowS } from './timing.js';

const execFileP = promisify(execFile);
const OPENSSL = process.env.OPENSSL_BIN || 'openssl';

export function opensslVersion(): string {
  return execFileSync(OPENSSL, ['version'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
}

/**
 * Sign/s from `openssl speed` output. Prefers the machine-readable `-mr` lines
 * (`+F4:<n>:256:<sign/s>:<verify/s>`, or `+R5:<count>:256:<seconds>`), then the human table
 * (`256 bits ecdsa (nistp256)   0.0000s   0.0001s  39261.0  13969.7`).
 */
export function parseSpeedSignRate(out: string): number {
  const f4 = /^\+F4:\d+:256:([\d.]+):([\d.]+)/m.exec(out);
  if (f4) return Number(f4[1]);
  const r5 = /^\+R5:(\d+):256:([\d.]+)/m.exec(out);
  if (r5 && Number(r5[2]) > 0) return Number(r5[1]) / Number(r5[2]);
  const table = /256 bits? ecdsa \(nistp256\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(out);
  if (table) return Number(table[1]);
  throw new Error('could not find the nistp256 sign rate in the openssl speed output');
}

/** `openssl speed -seconds N ecdsap256` (it also spends N seconds on verify), sign/s. */
export async function opensslSpeedSignRate(seconds: number): Promise<number> {
  const { stdout } = await execFileP(OPENSSL, ['speed', '-mr', '-seconds', String(seconds), 'ecdsap256'], { maxBuffer: 1 << 20 });
  return parseSpeedSignRate(stdout);
}

/**
 * The platform's per-device script, as a factory runs it today: for every device, write
 * `<product_id>_<device_id>` to a file (the script's `echo -n`, done in-process here), then
 * three openssl processes: sign, base64, verify. Run without a shell, which is kinder to
 * the baseline than the real script (that also forks a shell and coreutils).
 */
export function perDeviceScriptRate(
  key: KeyObject,
  publicKey: KeyObject,
  productId: number,
  devices: number,
): { rate: number; devices: number; seconds: number; processes: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-'));
  try {
    fs.writeFileSync(path.join(dir, 'k.pem'), key.export({ type: 'pkcs8', format: 'pem' }));
    fs.writeFileSync(path.join(dir, 'pub.pem'), publicKeyPem(publicKey));
    const run = (args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const oneDevice = (deviceId: string): string => {
      fs.writeFileSync(path.join(dir, 'msg.txt'), `${productId}_${deviceId}`);
      run(['dgst', '-sha256', '-sign', 'k.pem', '-out', 'sig.der', 'msg.txt']);
      run(['base64', '-A', '-in', 'sig.der', '-out', 'sig.b64']);
      const verified = run(['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'msg.txt']).toString();
      if (!/Verified OK/.test(verified)) throw new Error(`openssl did not verify ${deviceId}: ${verified.trim()}`);
      return fs.readFileSync(path.join(dir, 'sig.b64'), 'utf8').trim();
    };
    oneDevice('WARMUP-0'); // page cache, dynamic loader
    const start = nowS();
    let last = '';
    for (let i = 0; i < devices; i++) last = oneDevice(`DEV-${String(i).padStart(9, '0')}`);
    const seconds = nowS() - start;
    const lastId = `DEV-${String(devices - 1).padStart(9, '0')}`;
    if (!verifyDeviceId(publicKey, productId, lastId, last)) throw new Error('the script baseline produced a signature we do not accept');
    return { rate: devices / seconds, devices, seconds, processes: devices * 3 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
