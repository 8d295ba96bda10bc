// `npm run build:electron`: bundles the Electron side with esbuild.
//
// - out/main/index.js — the main process, ESM like the package ("type": "module"; Electron 45
//   loads an ESM main). It holds our TypeScript (main/ and main/core/); every package stays an
//   import resolved from node_modules at run time: the native ones (better-sqlite3, serialport)
//   must, electron is the runtime itself, and electron-builder packs production node_modules.
// - out/preload/preload.cjs — the sandboxed preload: CommonJS, one file, only `electron` left
//   outside (a sandboxed preload runs as a script with a require that knows a few modules).
//
// The preload needs the contract's message names, not its schemas: inputs are validated in
// main. So `zod` is replaced in the preload bundle by an inert stand-in that accepts any
// schema-building chain; the bundle is a few kB instead of half a megabyte of zod evaluated in
// every page, and test/unit/electron-preload.test.ts checks the built bundle still exposes
// exactly the contract's names.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

const ZOD_STAND_IN = `
const inert = new Proxy(function () {}, {
  get: (_t, key) => (typeof key === 'symbol' ? undefined : inert),
  apply: () => inert,
});
export const z = inert;
export default inert;
`;

/** esbuild plugin: `zod` → the inert stand-in above (preload only). */
export const zodStandIn = {
  name: 'zod-stand-in',
  setup(b) {
    b.onResolve({ filter: /^zod(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'zod-stand-in' }));
    b.onLoad({ filter: /.*/, namespace: 'zod-stand-in' }, () => ({ contents: ZOD_STAND_IN, loader: 'js' }));
  },
};

// Electron 45: Node 22, Chromium 140.
const common = { absWorkingDir: root, bundle: true, sourcemap: true, legalComments: 'none', logLevel: 'info' };

export const mainOptions = {
  ...common,
  entryPoints: ['main/index.ts'],
  outfile: 'out/main/index.js',
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
};

export const preloadOptions = {
  ...common,
  entryPoints: ['preload/preload.ts'],
  outfile: 'out/preload/preload.cjs',
  platform: 'browser',
  format: 'cjs',
  target: 'chrome140',
  external: ['electron'],
  plugins: [zodStandIn],
};

export async function buildElectron() {
  const results = await Promise.allSettled([build(mainOptions), build(preloadOptions)]);
  return results.every((r) => r.status === 'fulfilled');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // esbuild has already printed any errors; fail without a second copy as a stack trace.
  if (!(await buildElectron())) process.exit(1);
}
