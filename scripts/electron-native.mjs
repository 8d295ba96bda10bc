// The Electron build of the native modules that are tied to one runtime's ABI (better-sqlite3),
// for `npm start`: made in out/native/electron-<abi>/ the first time the desktop app needs it
// and again when Electron or the modules change, by @electron/rebuild on copies of the modules.
// node_modules keeps the Node builds the CLI and the tests load. The logic and its tests are in
// main/core/native/; this file only wires in @electron/rebuild and prints.
// `node scripts/electron-native.mjs` prepares it by hand.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the staged copies in place for Electron: a prebuilt download first, else node-gyp against Electron's headers. */
export async function electronRebuild(job) {
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({
    buildPath: job.stagingDir,
    // Never look above the staging folder: the project's node_modules are the Node builds.
    projectRootPath: job.stagingDir,
    electronVersion: job.electron,
    forceABI: Number(job.abi),
    platform: job.platform,
    arch: job.arch,
    onlyModules: job.modules,
    force: true,
    mode: 'sequential',
  });
}

/**
 * Makes sure the Electron build is there and current. Resolves true when the app can start,
 * false after saying, in both languages, what failed and what to install.
 */
export async function prepareElectronNative({ builder = electronRebuild, log = (l) => console.log(l), error = (l) => console.error(l) } = {}) {
  const { tsImport } = await import('tsx/esm/api');
  const native = await tsImport(pathToFileURL(path.join(ROOT, 'main/core/native/index.ts')).href, import.meta.url);
  try {
    const r = await native.ensureElectronBuild({
      root: path.join(ROOT, 'out', 'native'),
      from: path.join(ROOT, 'package.json'),
      builder,
      log: (l) => log(`  ${l}`),
    });
    if (r.built) log(`Built for Electron: ${r.dir}  已为 Electron 编译本机模块。`);
    return true;
  } catch (e) {
    const p = typeof e?.toPayload === 'function' ? e.toPayload() : undefined;
    if (e?.cause) error(String(e.cause?.stack ?? e.cause));
    if (!p) {
      error(String(e?.stack ?? e));
      return false;
    }
    error(['', p.message_zh, p.message_en, '', p.hint_zh, p.hint_en, '', p.engineer_zh, p.engineer_en, ''].filter((l) => l !== undefined).join('\n'));
    return false;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!(await prepareElectronNative())) process.exitCode = 1;
}
