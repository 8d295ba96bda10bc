import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The native modules the app loads whose build is tied to one runtime's ABI
 * (NODE_MODULE_VERSION), with the file their build leaves. better-sqlite3 is written against
 * V8 and exports `node_register_module_v<abi>`: Electron's main process refuses the copy npm
 * built for Node. serialport's binding (@serialport/bindings-cpp) and pkcs11js (product keys
 * in a hardware token) are N-API (`napi_register_module_v1`) and load in either, so they are
 * not here; test/unit/native-electron-build.test.ts checks all three on the installed binaries.
 */
export const ABI_BOUND_MODULES: readonly { name: string; binding: string }[] = [{ name: 'better-sqlite3', binding: 'build/Release/better_sqlite3.node' }];

/** Written last into a build's folder: what it was built for. */
export const STAMP_FILE = 'stamp.json';

export interface ElectronBuildStamp {
  /** NODE_MODULE_VERSION of the Electron it was built for. */
  abi: string;
  electron: string;
  platform: string;
  arch: string;
  /** Module name → the version that was built. */
  modules: Record<string, string>;
}

export interface BuildTarget {
  abi: string;
  /** Unknown to a process that is not Electron (tests); then any Electron of this ABI will do. */
  electron?: string;
  platform?: string;
  arch?: string;
}

export type ElectronBuild =
  | { state: 'ready'; dir: string; /** Module name → its binding file. */ bindings: Record<string, string> }
  | { state: 'missing' | 'stale'; dir: string; why: string };

/** `<root>/electron-<abi>`: one folder per ABI, beside (never over) the Node builds in node_modules. */
const electronBuildDir = (root: string, abi: string): string => path.join(root, `electron-${abi}`);

/** Where a module's binding goes in a build folder. */
export const bindingPath = (dir: string, m: { name: string; binding: string }): string => path.join(dir, m.name, path.basename(m.binding));

/** The folder of an installed package, resolved the way `from` (a file) imports it. */
export function packageDir(from: string, name: string): string {
  return path.dirname(createRequire(from).resolve(`${name}/package.json`));
}

/** The installed version of each ABI-bound module, as `from` would import it. */
export function installedVersions(from: string, modules = ABI_BOUND_MODULES): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of modules) out[m.name] = (JSON.parse(fs.readFileSync(path.join(packageDir(from, m.name), 'package.json'), 'utf8')) as { version: string }).version;
  return out;
}

function readStamp(dir: string): ElectronBuildStamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8')) as ElectronBuildStamp;
  } catch {
    return undefined;
  }
}

/**
 * The Electron build of the ABI-bound modules for this runtime's ABI under `root`, if there is
 * one that matches what is installed now. Missing: never built for this ABI (or a build was
 * cut short: the stamp is written last). Stale: built for another Electron, platform or
 * architecture, or for other versions of the modules than node_modules now holds.
 */
export function resolveElectronBuild(root: string, target: BuildTarget, installed: Record<string, string>, modules = ABI_BOUND_MODULES): ElectronBuild {
  const dir = electronBuildDir(root, target.abi);
  const stamp = readStamp(dir);
  if (!stamp) return { state: 'missing', dir, why: `no Electron build for ABI ${target.abi} in ${dir}` };
  const platform = target.platform ?? process.platform;
  const arch = target.arch ?? process.arch;
  const differs: string[] = [];
  if (stamp.abi !== target.abi) differs.push(`ABI ${stamp.abi}, not ${target.abi}`);
  if (target.electron !== undefined && stamp.electron !== target.electron) differs.push(`Electron ${stamp.electron}, not ${target.electron}`);
  if (stamp.platform !== platform || stamp.arch !== arch) differs.push(`${stamp.platform}-${stamp.arch}, not ${platform}-${arch}`);
  const bindings: Record<string, string> = {};
  for (const m of modules) {
    const built = stamp.modules?.[m.name];
    if (built !== installed[m.name]) differs.push(`${m.name} ${built ?? 'not built'}, installed ${installed[m.name]}`);
    bindings[m.name] = bindingPath(dir, m);
    if (!fs.existsSync(bindings[m.name])) differs.push(`${bindings[m.name]} is missing`);
  }
  if (differs.length) return { state: 'stale', dir, why: `the Electron build in ${dir} does not match: ${differs.join('; ')}` };
  return { state: 'ready', dir, bindings };
}

/**
 * The Electron build for this process's ABI under `root`, checked against the modules `from`
 * imports. The Electron main loads better-sqlite3 from it when it is ready; otherwise
 * node_modules' own copy loads: the Node build in plain Node, and in the packaged app the one
 * electron-builder rebuilt for Electron.
 */
export function electronBindings(root: string, from: string, versions: NodeJS.ProcessVersions = process.versions): ElectronBuild {
  let installed: Record<string, string>;
  try {
    installed = installedVersions(from);
  } catch (e) {
    return { state: 'missing', dir: electronBuildDir(root, versions.modules), why: `cannot read the installed modules: ${(e as Error).message}` };
  }
  return resolveElectronBuild(root, { abi: versions.modules, electron: versions.electron }, installed);
}
