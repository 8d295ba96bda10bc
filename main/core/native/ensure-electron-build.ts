import fs from 'node:fs';
import path from 'node:path';
import { WxError } from '../errors/wx-error.js';
import { ABI_BOUND_MODULES, bindingPath, installedVersions, packageDir, resolveElectronBuild, STAMP_FILE, type ElectronBuildStamp } from './electron-build.js';
import { electronTarget } from './electron-target.js';

export interface BuildJob {
  /** A throwaway project (package.json + node_modules/<module>) holding copies of the modules to build in place. */
  stagingDir: string;
  electron: string;
  abi: string;
  platform: string;
  arch: string;
  modules: string[];
}

/** Builds the staged modules for Electron (npm start: @electron/rebuild); tests pass their own. */
export type ElectronBuilder = (job: BuildJob) => Promise<void>;

export interface EnsureOptions {
  /** Where Electron builds live: `out/native`. */
  root: string;
  /** A file whose imports find the installed modules and Electron (the project's package.json). */
  from: string;
  /** The installed electron package; found from `from` without it. */
  electronDir?: string;
  builder: ElectronBuilder;
  platform?: string;
  arch?: string;
  modules?: typeof ABI_BOUND_MODULES;
  log?: (line: string) => void;
}

const STAGING = '.staging';
const LEFT_OUT = new Set(['build', 'node_modules', 'prebuilds', 'bin']);

/**
 * The Electron build of the ABI-bound modules for the installed Electron, made the first time
 * it is needed and again when it goes stale (another Electron, module versions changed).
 * Copies of the modules are built in a staging folder, never the ones in node_modules: those
 * stay the Node builds the CLI and the tests load. The stamp is written last, so a build cut
 * short is missing, not half there. Resolves with the binding files; a failed build is
 * NATIVE_REBUILD_FAILED, saying what to install.
 */
export async function ensureElectronBuild(o: EnsureOptions): Promise<{ built: boolean; dir: string; bindings: Record<string, string> }> {
  const modules = o.modules ?? ABI_BOUND_MODULES;
  const names = modules.map((m) => m.name).join(', ');
  const failed = (e: unknown) => new WxError('NATIVE_REBUILD_FAILED', { modules: names, detail: firstLine(e) }, { cause: e });

  let target: ReturnType<typeof electronTarget>;
  let installed: Record<string, string>;
  try {
    target = electronTarget(o.electronDir ?? packageDir(o.from, 'electron'));
    installed = installedVersions(o.from, modules);
  } catch (e) {
    throw failed(e);
  }
  const platform = o.platform ?? process.platform;
  const arch = o.arch ?? process.arch;
  const found = resolveElectronBuild(o.root, { abi: target.abi, electron: target.version, platform, arch }, installed, modules);
  if (found.state === 'ready') return { built: false, dir: found.dir, bindings: found.bindings };
  o.log?.(found.why);

  const { dir } = found;
  const stagingDir = path.join(dir, STAGING);
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(stagingDir, 'node_modules'), { recursive: true });
    fs.writeFileSync(
      path.join(stagingDir, 'package.json'),
      JSON.stringify({ name: 'wxprov-electron-build', private: true, dependencies: installed }, null, 2),
    );
    for (const m of modules) {
      // The sources without the Node build (nor prebuilt or copied binaries): what is built here is for Electron only.
      const src = packageDir(o.from, m.name);
      fs.cpSync(src, path.join(stagingDir, 'node_modules', m.name), { recursive: true, filter: (f) => !LEFT_OUT.has(path.relative(src, f)) });
    }
    o.log?.(`building ${names} for Electron ${target.version} (ABI ${target.abi}, ${platform}-${arch}) in ${stagingDir}`);
    await o.builder({ stagingDir, electron: target.version, abi: target.abi, platform, arch, modules: modules.map((m) => m.name) });
    const bindings: Record<string, string> = {};
    for (const m of modules) {
      const built = path.join(stagingDir, 'node_modules', m.name, m.binding);
      if (!fs.existsSync(built)) throw new Error(`the build left no ${m.binding} for ${m.name}`);
      bindings[m.name] = bindingPath(dir, m);
      fs.mkdirSync(path.dirname(bindings[m.name]), { recursive: true });
      fs.copyFileSync(built, bindings[m.name]);
    }
    const stamp: ElectronBuildStamp = { abi: target.abi, electron: target.version, platform, arch, modules: installed };
    fs.writeFileSync(path.join(dir, STAMP_FILE), JSON.stringify(stamp, null, 2) + '\n');
    return { built: true, dir, bindings };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw failed(e);
  } finally {
    fs.rmSync(stagingDir, { recursive: true, force: true });
  }
}

/** The first line that says something: build tools print pages; the full text stays in the cause. */
function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split('\n').map((l) => l.trim()).find(Boolean) ?? 'unknown error';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
