// `npm run build:cli`, and `prepare` (so `npm install` and `npm ci` make it): the CLI compiled
// to one CommonJS file, out/cli/wxprov.cjs, run by bin/wxprov.mjs with plain node.
//
// - CommonJS on purpose: esbuild turns a package import inside a lazily loaded module into a
//   require() that runs only when that module does, so `wxprov --version` never loads
//   serialport, SQLite or zod (commands/index.ts loads each command on demand). ESM output
//   would hoist every package import to the top of the file.
// - Packages stay outside (resolved from node_modules at run time): better-sqlite3 and
//   serialport are native. The signing worker (main/core/keys/sign-pool.ts) is an eval worker
//   with its code in a string, so there is no worker file to ship.
// - import.meta.url is this file's URL, so code that finds the package root (config/package-root.ts)
//   works the same from the bundle.
// - A linked source map (out/cli/wxprov.cjs.map) for `node --enable-source-maps`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUNDLE, ROOT, STAMP_PREFIX } from './cli-bundle.mjs';

/** The build script is an input too: a change to these options must rebuild. */
const SELF = ['scripts/build-cli.mjs', 'scripts/cli-bundle.mjs'];

/**
 * A file modified after the build started may have changed after esbuild read it: it is
 * stamped as changed, so the next run builds again rather than trust a bundle that may predate
 * the edit. "After" allows for the file system's clock lagging ours by a tick, and for file
 * systems that keep whole seconds (FAT rounds to 2 s), where an edit can look older than it is.
 */
const settleMs = (mtimeMs) => (mtimeMs % 1000 === 0 ? 2000 : 50);

export const cliOptions = {
  absWorkingDir: ROOT,
  entryPoints: ['main/core/cli/wxprov.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { 'import.meta.url': '__wxprov_module_url' },
  // "use strict" first: the sources are ES modules, always strict; esbuild's own would come after this line.
  banner: { js: '"use strict";\nconst __wxprov_module_url = require("node:url").pathToFileURL(__filename).href;' },
};

/** Write-then-rename, so a reader sees the old file or the new one, never half of one. */
function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Builds out/cli/wxprov.cjs (or `outfile`) with its stamp; returns the number of source files. */
export async function buildCli({ outfile = BUNDLE, logLevel = 'warning' } = {}) {
  const esbuild = await import('esbuild');
  const started = Date.now();
  let r;
  try {
    r = await esbuild.build({ ...cliOptions, outfile, write: false, metafile: true, logLevel });
  } finally {
    await esbuild.stop?.();
  }
  const inputs = {};
  for (const file of [...Object.keys(r.metafile.inputs), ...SELF]) {
    const s = fs.statSync(path.join(ROOT, file));
    inputs[file] = s.mtimeMs > started - settleMs(s.mtimeMs) ? [0, -1] : [s.mtimeMs, s.size];
  }
  const js = r.outputFiles.find((f) => f.path.endsWith('.cjs'));
  const map = r.outputFiles.find((f) => f.path.endsWith('.map'));
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  // The stamp takes the entry's hashbang line (useless here: node runs the bin) or is one more
  // line at the top, and then one more `;` (an empty generated line) keeps the map true.
  const hashbang = js.text.startsWith('#!');
  const code = hashbang ? js.text.slice(js.text.indexOf('\n') + 1) : js.text;
  if (map) {
    const m = JSON.parse(map.text);
    if (!hashbang) m.mappings = `;${m.mappings}`;
    writeAtomic(map.path, JSON.stringify(m));
  }
  writeAtomic(outfile, `${STAMP_PREFIX}${JSON.stringify({ inputs })}\n${code}`);
  return Object.keys(inputs).length;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await import('esbuild');
  } catch {
    // `npm install --omit=dev` may leave no esbuild: the install must still succeed, and
    // bin/wxprov.mjs then runs the sources through tsx.
    process.stderr.write('build-cli: esbuild is not installed; the wxprov CLI will run from the TypeScript sources (slower start)\n');
    process.exit(0);
  }
  const t = Date.now();
  const n = await buildCli().catch((e) => {
    if (!e?.errors) process.stderr.write(`build-cli: ${e?.stack ?? e}\n`); // esbuild has printed its own errors
    process.exit(1);
  });
  process.stderr.write(`build-cli: ${path.relative(ROOT, BUNDLE)} from ${n} files in ${Date.now() - t} ms\n`);
}
