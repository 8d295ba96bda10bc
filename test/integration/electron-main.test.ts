import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVOKE_NAMES, invokeChannel } from '../../preload/contract.js';
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
      value: { mode: null, shell: 'electron', secret_storage: { kind: 'safeStorage', encrypted: false } },
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

  it('a second instance quits without opening anything', () => {
    const home = tmpDir('wxprov-electron-');
    const r = run({ WXPROV_HOME: home, FAKE_ELECTRON_LOCK: '0' });
    expect(r.lockRequested).toBe(true);
    expect(r.windows).toBe(0);
    expect(r.channels).toBeUndefined();
    expect(r.exitCode).toBe(0);
  }, 60_000);
});
