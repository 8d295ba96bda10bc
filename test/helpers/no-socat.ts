import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A PATH with node on it and nothing else — no socat, as on a Windows station after
 * `npm install` — and a check that socat really cannot be started through it.
 */
export function pathWithoutSocat(): { PATH: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-path-'));
  fs.symlinkSync(process.execPath, path.join(dir, path.basename(process.execPath)));
  const probe = spawnSync('socat', ['-V'], { env: { PATH: dir } });
  if ((probe.error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw new Error(`socat is still reachable through ${dir}`);
  return { PATH: dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
