import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVOKE_NAMES, invokeChannel } from '../../preload/contract.js';
import { ensureElectronBuild, type BuildJob } from '../../main/core/native/index.js';
import { cli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

// The built Electron main (esbuild, as scripts/build-electron.mjs builds it) run in plain Node
// against a stand-in `electron` module (test/helpers/fake-electron/): the one check of the
// real wiring — data dir, single-instance lock, AppService, IPC, window, quit — that runs
// where the Electron binary cannot be installed. test/e2e/electron.test.ts is the real thing.

const ROOT = path.resolve(import.meta.dirname, '../..');
const RUNNER = path.join(ROOT, 'test/helpers/fake-electron/runner.mjs');
// Inside the project, so the bundle's bare imports (zod, better-sqlite3, ...) resolve.
const OUT = path.join(ROOT, 'node_modules/.cache', `wxprov-electron-main-${process.pid}`);
const MAIN = path.join(OUT, 'main', 'index.js');

beforeAll(async () => {
  const { mainOptions } = (await import(pathToFileURL(path.join(ROOT, 'scripts/build-electron.mjs')).href)) as { mainOptions: Record<string, unknown> };
  const { build } = await import('esbuild');
  await build({ ...mainOptions, outfile: MAIN, sourcemap: false, logLevel: 'silent' });
}, 60_000);

afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }));

type Report = Record<string, any> & { ok: boolean };

function run(env: Record<string, string>): Report {
  const r = spawnSync(process.execPath, [RUNNER, pathToFileURL(MAIN).href], {
    cwd: ROOT,
    env: { ...process.env, WXPROV_API_BASE: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('REPORT '));
  if (!line) throw new Error(`no report (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(line.slice(7)) as Report;
  if (!report.ok) throw new Error(`${report.error}\n${r.stderr}`);
  return report;
}

describe('the built Electron main on a stand-in electron', () => {
  it('wires the data dir, the lock, the hardened window and one IPC handler per message', () => {
    const home = tmpDir('wxprov-electron-');
    const r = run({ WXPROV_HOME: home, FAKE_ELECTRON_BACKEND: 'basic_text' });

    expect(r.paths.userData).toBe(home);
    expect(r.paths.sessionData).toBe(path.join(home, 'chromium'));
    expect(r.name).toBe('WMPF Provisioning Station');
    expect(r.sandbox).toBe(true);
    expect(r.lockRequested).toBe(true);
    expect(r.errors).toEqual([]);

    expect(r.windows).toBe(1);
    expect(r.windowUrl).toBe(pathToFileURL(path.join(OUT, 'renderer', 'index.html')).href);
    expect(r.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: path.join(OUT, 'preload', 'preload.cjs'),
    });
    expect(r.hardened).toEqual({ csp: true, windowOpen: { action: 'deny' }, navigate: 1, webview: 1, permissionCheck: false });

    expect(r.channels).toEqual(INVOKE_NAMES.map(invokeChannel).sort());
    expect(r.foreign).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(r.state).toMatchObject({
      ok: true,
      // basic_text is Linux without a keyring: no keychain, so real mode will ask for the passphrase.
      value: { mode: null, shell: 'electron', keystore: { state: 'none', keychain: false } },
    });
    expect(r.badInput).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    expect(r.setLocale).toMatchObject({ ok: true, value: { locale: 'en' } });
    expect(r.sentChannels).toContain('wxprov-event:app');
    expect(r.focusedOnSecondInstance).toBe(true);

    // Quit: the service closes, the handlers go, and only then the process exits.
    expect(r.exitCode).toBe(0);
    expect(r.handlersAfterQuit).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(home, 'app-settings.json'), 'utf8'))).toMatchObject({ locale: 'en' });
  }, 60_000);

  it('loads better-sqlite3 from the Electron build for its ABI when one matches, else from node_modules', async () => {
    // The stand-in runs in Node, so the build for "its ABI" is one for this Node, made the way
    // npm start makes Electron's (the builder copies npm's addon: Electron's headers cannot be fetched here).
    const nodeBuild = path.join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    const electronDir = tmpDir('wxprov-electron-pkg-');
    fs.writeFileSync(path.join(electronDir, 'package.json'), JSON.stringify({ name: 'electron', version: '0.0.0-this-node' }));
    fs.writeFileSync(path.join(electronDir, 'abi_version'), process.versions.modules);
    const builder = async (job: BuildJob) => {
      const out = path.join(job.stagingDir, 'node_modules/better-sqlite3/build/Release');
      fs.mkdirSync(out, { recursive: true });
      fs.copyFileSync(nodeBuild, path.join(out, 'better_sqlite3.node'));
    };
    const native = path.join(OUT, 'native');
    const { bindings, dir } = await ensureElectronBuild({ root: native, from: path.join(ROOT, 'package.json'), electronDir, builder });
    try {
      const withBuild = run({ WXPROV_HOME: tmpDir('wxprov-electron-'), FAKE_ELECTRON_MODE: 'simulation' });
      expect(withBuild.mode).toMatchObject({ ok: true, value: { mode: 'simulation' } });
      expect(withBuild.addons).toContain(bindings['better-sqlite3']);
      expect(withBuild.addons).not.toContain(nodeBuild);

      // Built for another better-sqlite3 than node_modules holds now: not used.
      const stampFile = path.join(dir, 'stamp.json');
      fs.writeFileSync(stampFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(stampFile, 'utf8')), modules: { 'better-sqlite3': '0.0.1' } }));
      const stale = run({ WXPROV_HOME: tmpDir('wxprov-electron-'), FAKE_ELECTRON_MODE: 'simulation' });
      expect(stale.mode).toMatchObject({ ok: true });
      expect(stale.addons).toContain(nodeBuild);
      expect(stale.addons.some((f: string) => f.startsWith(native))).toBe(false);
    } finally {
      fs.rmSync(native, { recursive: true, force: true });
    }
  }, 60_000);

  it("unlocks the key store at start through the OS keychain's slot; Linux basic_text counts as no keychain", async () => {
    const home = tmpDir('wxprov-electron-');
    // First start: the passphrase from the environment sets the store up; the keyring gets its slot.
    const first = run({ WXPROV_HOME: home, FAKE_ELECTRON_BACKEND: 'gnome_libsecret', FAKE_ELECTRON_MODE: 'real', WXPROV_KEY_PASSPHRASE: 'electron passphrase' });
    expect(first.mode).toMatchObject({ ok: true, value: { mode: 'real', keystore: { state: 'unlocked', keychain: true } } });
    const slots = await cli(['key', 'slots', '--json'], { WXPROV_HOME: home });
    expect(slots.json.slots.map((x: { kind: string }) => x.kind)).toEqual(['passphrase', 'safeStorage']);
    // Next start, no passphrase anywhere: the keychain opens it.
    const again = run({ WXPROV_HOME: home, FAKE_ELECTRON_BACKEND: 'gnome_libsecret', WXPROV_KEY_PASSPHRASE: '' });
    expect(again.state).toMatchObject({ ok: true, value: { mode: 'real', keystore: { state: 'unlocked', keychain: true } } });
    // Without a real keyring the slot is not trusted: the app asks for the passphrase.
    const plain = run({ WXPROV_HOME: home, FAKE_ELECTRON_BACKEND: 'basic_text', WXPROV_KEY_PASSPHRASE: '' });
    expect(plain.state).toMatchObject({ ok: true, value: { mode: 'real', keystore: { state: 'locked', keychain: false } } });
  }, 60_000);

  it('a second instance quits without opening anything', () => {
    const home = tmpDir('wxprov-electron-');
    const r = run({ WXPROV_HOME: home, FAKE_ELECTRON_LOCK: '0' });
    expect(r.lockRequested).toBe(true);
    expect(r.windows).toBe(0);
    expect(r.channels).toBeUndefined();
    expect(r.exitCode).toBe(0);
  }, 60_000);
});
