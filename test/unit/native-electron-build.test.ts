import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ABI_BOUND_MODULES, electronBindings, electronTarget, ensureElectronBuild, resolveElectronBuild, type BuildJob, type ElectronBuildStamp } from '../../main/core/native/index.js';
import { caught } from '../helpers/caught.js';
import { tmpDir } from '../helpers/tmp.js';

// Which build of the ABI-bound native modules a process loads, and making the Electron one:
// resolved per ABI (Electron's is not Node's), missing and stale builds rebuilt by an injected
// builder, the Node builds in node_modules never touched, a failed build saying what to install.

const ROOT = path.resolve(import.meta.dirname, '../..');
const FROM = path.join(ROOT, 'package.json');
const req = createRequire(FROM);
const SQLITE_VERSION = (req('better-sqlite3/package.json') as { version: string }).version;
const NODE_BUILD = path.join(path.dirname(req.resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** A build folder as ensureElectronBuild leaves it, with this stamp. */
function writeBuild(root: string, stamp: ElectronBuildStamp): string {
  const dir = path.join(root, `electron-${stamp.abi}`);
  fs.mkdirSync(path.join(dir, 'better-sqlite3'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'better-sqlite3', 'better_sqlite3.node'), 'built');
  fs.writeFileSync(path.join(dir, 'stamp.json'), JSON.stringify(stamp));
  return dir;
}

const stamp = (o: Partial<ElectronBuildStamp> = {}): ElectronBuildStamp => ({
  abi: '150',
  electron: '45.5.0',
  platform: process.platform,
  arch: process.arch,
  modules: { 'better-sqlite3': SQLITE_VERSION },
  ...o,
});

/** An installed electron package as npm leaves it (no binary needed). */
function electronPackage(version: string, abi?: string): string {
  const dir = tmpDir('wxprov-electron-pkg-');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'electron', version }));
  if (abi !== undefined) fs.writeFileSync(path.join(dir, 'abi_version'), abi);
  return dir;
}

describe('the Electron ABI', () => {
  it('is read from the installed electron package, agrees with node-abi, and is not Node’s', () => {
    const installed = electronTarget(path.join(ROOT, 'node_modules/electron'));
    expect(installed.version).toBe((req('electron/package.json') as { version: string }).version);
    const { getAbi } = req('node-abi') as { getAbi(v: string, runtime: string): string };
    expect(installed.abi).toBe(String(getAbi(installed.version, 'electron')));
    expect(installed.abi).not.toBe(process.versions.modules);
  });

  it('comes from node-abi when the package has no abi_version, and an unknown Electron is an error', () => {
    expect(electronTarget(electronPackage('45.5.0'))).toEqual({ version: '45.5.0', abi: '150' });
    expect(electronTarget(electronPackage('45.5.0', '777'))).toEqual({ version: '45.5.0', abi: '777' });
    expect(() => electronTarget(electronPackage('999.0.0'))).toThrow(/cannot tell the ABI of Electron 999\.0\.0/);
  });
});

describe('resolving the Electron build', () => {
  const installed = { 'better-sqlite3': SQLITE_VERSION };

  it('is ready for the ABI it was built for, and only for that one', () => {
    const root = tmpDir('wxprov-native-');
    const dir = writeBuild(root, stamp());
    const ready = resolveElectronBuild(root, { abi: '150', electron: '45.5.0' }, installed);
    expect(ready).toEqual({ state: 'ready', dir, bindings: { 'better-sqlite3': path.join(dir, 'better-sqlite3', 'better_sqlite3.node') } });
    // Plain Node (the CLI, the tests) has its own ABI: the Electron build is not for it.
    expect(resolveElectronBuild(root, { abi: process.versions.modules }, installed).state).toBe('missing');
    expect(electronBindings(root, FROM, { ...process.versions, modules: '150', electron: '45.5.0' })).toMatchObject({ state: 'ready', dir });
    expect(electronBindings(root, FROM, process.versions).state).toBe('missing');
  });

  it('is missing when never built or cut short (no stamp)', () => {
    const root = tmpDir('wxprov-native-');
    expect(resolveElectronBuild(root, { abi: '150' }, installed)).toMatchObject({ state: 'missing', why: expect.stringContaining('ABI 150') });
    const dir = writeBuild(root, stamp());
    fs.rmSync(path.join(dir, 'stamp.json'));
    expect(resolveElectronBuild(root, { abi: '150' }, installed).state).toBe('missing');
  });

  it('is stale for another Electron, platform or architecture, other module versions, or a lost binding', () => {
    const cases: [Partial<ElectronBuildStamp>, RegExp][] = [
      [{ electron: '45.4.0' }, /Electron 45\.4\.0, not 45\.5\.0/],
      [{ arch: 'mips' }, new RegExp(`${process.platform}-mips, not ${process.platform}-${process.arch}`)],
      [{ platform: 'aix' }, /aix-/],
      [{ modules: { 'better-sqlite3': '11.0.0' } }, new RegExp(`better-sqlite3 11\\.0\\.0, installed ${SQLITE_VERSION.replace(/\./g, '\\.')}`)],
      [{ modules: {} }, /better-sqlite3 not built/],
    ];
    for (const [change, why] of cases) {
      const root = tmpDir('wxprov-native-');
      writeBuild(root, stamp(change));
      const r = resolveElectronBuild(root, { abi: '150', electron: '45.5.0' }, installed);
      expect(r.state, JSON.stringify(change)).toBe('stale');
      expect(r.state !== 'ready' && r.why).toMatch(why);
    }
    const root = tmpDir('wxprov-native-');
    const dir = writeBuild(root, stamp());
    fs.rmSync(path.join(dir, 'better-sqlite3', 'better_sqlite3.node'));
    expect(resolveElectronBuild(root, { abi: '150' }, installed)).toMatchObject({ state: 'stale', why: expect.stringContaining('is missing') });
  });

  it('only a process that knows its Electron version holds the build to it', () => {
    const root = tmpDir('wxprov-native-');
    writeBuild(root, stamp({ electron: '45.4.0' }));
    expect(resolveElectronBuild(root, { abi: '150' }, installed).state).toBe('ready');
  });
});

describe('making the Electron build', () => {
  /** A builder that records its jobs and leaves a binding where a real build would. */
  function fakeBuilder(leave: (job: BuildJob) => void = (job) => {
    const out = path.join(job.stagingDir, 'node_modules/better-sqlite3/build/Release');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'better_sqlite3.node'), `electron ${job.electron} abi ${job.abi}`);
  }) {
    const jobs: (BuildJob & { staged: { version: string; hasBuild: boolean; hasSources: boolean } })[] = [];
    const builder = async (job: BuildJob) => {
      const mod = path.join(job.stagingDir, 'node_modules/better-sqlite3');
      jobs.push({
        ...job,
        staged: {
          version: (JSON.parse(fs.readFileSync(path.join(mod, 'package.json'), 'utf8')) as { version: string }).version,
          hasBuild: fs.existsSync(path.join(mod, 'build')),
          hasSources: fs.existsSync(path.join(mod, 'binding.gyp')) && fs.existsSync(path.join(mod, 'src')),
        },
      });
      leave(job);
    };
    return { jobs, builder };
  }

  it('builds once on staged copies, leaves node_modules alone, and builds again when it goes stale', async () => {
    const root = tmpDir('wxprov-native-');
    const before = sha(NODE_BUILD);
    const { jobs, builder } = fakeBuilder();
    const electronDir = electronPackage('45.5.0', '150');

    const first = await ensureElectronBuild({ root, from: FROM, electronDir, builder });
    expect(first.built).toBe(true);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ electron: '45.5.0', abi: '150', platform: process.platform, arch: process.arch, modules: ['better-sqlite3'] });
    expect(jobs[0].staged).toEqual({ version: SQLITE_VERSION, hasBuild: false, hasSources: true });
    expect(jobs[0].stagingDir.startsWith(path.join(root, 'electron-150'))).toBe(true);
    expect(fs.existsSync(jobs[0].stagingDir)).toBe(false);
    expect(fs.readFileSync(first.bindings['better-sqlite3'], 'utf8')).toBe('electron 45.5.0 abi 150');
    expect(sha(NODE_BUILD)).toBe(before);
    expect(resolveElectronBuild(root, { abi: '150', electron: '45.5.0' }, { 'better-sqlite3': SQLITE_VERSION })).toMatchObject({ state: 'ready', dir: first.dir });

    const again = await ensureElectronBuild({ root, from: FROM, electronDir, builder });
    expect(again).toEqual({ ...first, built: false });
    expect(jobs).toHaveLength(1);

    // npm updated Electron (same ABI): built again for it.
    const newer = await ensureElectronBuild({ root, from: FROM, electronDir: electronPackage('45.6.0', '150'), builder });
    expect(newer.built).toBe(true);
    expect(jobs).toHaveLength(2);
    expect(fs.readFileSync(newer.bindings['better-sqlite3'], 'utf8')).toBe('electron 45.6.0 abi 150');
  });

  it('a failed build is NATIVE_REBUILD_FAILED saying what to install, and leaves nothing that looks built', async () => {
    const root = tmpDir('wxprov-native-');
    const boom = new Error('gyp ERR! find Python\ngyp ERR! stack Error: Could not find any Python installation to use');
    const e = await caught(ensureElectronBuild({ root, from: FROM, electronDir: electronPackage('45.5.0', '150'), builder: async () => Promise.reject(boom) }));
    expect(e.code).toBe('NATIVE_REBUILD_FAILED');
    expect(e.cause).toBe(boom);
    const p = e.toPayload();
    expect(p.message_en).toContain('better-sqlite3');
    expect(p.message_en).toContain('gyp ERR! find Python');
    expect(p.message_en).not.toContain('Could not find any'); // one line; the whole text stays in the cause
    expect(p.hint_en).toMatch(/internet/);
    expect(p.hint_en).toMatch(/build tools/);
    const engineer = `${p.engineer_en ?? ''} ${p.engineer_zh ?? ''}`;
    for (const what of ['Visual Studio Build Tools', 'Desktop development with C++', 'Python 3', 'xcode-select --install', 'build-essential', 'python3', 'npm start', 'Visual Studio 生成工具']) expect(engineer).toContain(what);
    expect(fs.existsSync(path.join(root, 'electron-150'))).toBe(false);
    expect(resolveElectronBuild(root, { abi: '150' }, { 'better-sqlite3': SQLITE_VERSION }).state).toBe('missing');
  });

  it('a build that leaves no binding has failed', async () => {
    const root = tmpDir('wxprov-native-');
    const { builder } = fakeBuilder(() => {});
    const e = await caught(ensureElectronBuild({ root, from: FROM, electronDir: electronPackage('45.5.0', '150'), builder }));
    expect(e.code).toBe('NATIVE_REBUILD_FAILED');
    expect(e.toPayload().message_en).toContain('left no build/Release/better_sqlite3.node');
  });
});

describe('which native modules are tied to an ABI (the installed binaries)', () => {
  const exports = (file: string) => fs.readFileSync(file).toString('latin1');

  it('better-sqlite3 registers for one NODE_MODULE_VERSION: it is rebuilt for Electron', () => {
    const bin = exports(NODE_BUILD);
    expect(bin).toContain(`node_register_module_v${process.versions.modules}`);
    expect(bin).not.toContain('napi_register_module_v1');
    expect(ABI_BOUND_MODULES.map((m) => m.name)).toContain('better-sqlite3');
  });

  it("serialport's binding is N-API: it loads in Electron as it is, so it is not rebuilt", () => {
    const bindings = path.dirname(req.resolve('@serialport/bindings-cpp/package.json'));
    const { path: prebuild } = createRequire(path.join(bindings, 'package.json'))('node-gyp-build') as { path(dir: string): string };
    const bin = exports(prebuild(bindings));
    expect(bin).toContain('napi_register_module_v1');
    expect(bin).not.toMatch(/node_register_module_v\d/);
    expect(ABI_BOUND_MODULES.map((m) => m.name)).toEqual(['better-sqlite3']);
  });

  it("pkcs11js (product keys in a hardware token) is N-API too: it loads in Electron as npm built it", () => {
    const bin = exports(path.join(path.dirname(req.resolve('pkcs11js/package.json')), 'build/Release/pkcs11.node'));
    expect(bin).toContain('napi_register_module_v1');
    expect(bin).not.toMatch(/node_register_module_v\d/);
    expect(ABI_BOUND_MODULES.map((m) => m.name)).not.toContain('pkcs11js');
  });
});
