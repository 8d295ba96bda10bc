// Where the compiled CLI lives and whether it is still what its sources say. Node built-ins
// only: bin/wxprov.mjs runs this before every command, so it must cost next to nothing
// (bench/cli.ts measures it). Building is scripts/build-cli.mjs.
//
// The bundle's first line is its stamp: `//wxprov-build {"inputs":{"<file>":[mtimeMs,size]}}`
// for every source file esbuild read (and the build script). One file carries code and stamp,
// so a rename swaps both at once and two processes rebuilding together cannot mismatch them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE = path.join(ROOT, 'out', 'cli', 'wxprov.cjs');
export const STAMP_PREFIX = '//wxprov-build ';

/** The stamp line, read without reading the whole bundle. */
function readStamp(bundle) {
  let fd;
  try {
    fd = fs.openSync(bundle, 'r');
  } catch {
    return undefined;
  }
  try {
    const chunks = [];
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(10);
      chunks.push(Buffer.from(buf.subarray(0, nl < 0 ? n : nl)));
      if (nl >= 0) break;
    }
    const line = Buffer.concat(chunks).toString('utf8');
    return line.startsWith(STAMP_PREFIX) ? JSON.parse(line.slice(STAMP_PREFIX.length)) : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Why the bundle must be rebuilt ("no build", "main/core/x.ts changed"), or undefined when
 * every file it was built from has the size and modification time it had then.
 */
export function staleReason(bundle = BUNDLE, root = ROOT) {
  const stamp = readStamp(bundle);
  if (!stamp?.inputs) return 'no build';
  for (const [file, [mtimeMs, size]] of Object.entries(stamp.inputs)) {
    const s = fs.statSync(path.join(root, file), { throwIfNoEntry: false });
    if (!s) return `${file} is gone`;
    if (s.mtimeMs !== mtimeMs || s.size !== size) return `${file} changed`;
  }
  return undefined;
}
