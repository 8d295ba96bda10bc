import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The desktop app itself: the built main, preload and renderer in the real Electron. It needs
// the Electron binary, which cannot be downloaded here or in CI (ELECTRON_SKIP_BINARY_DOWNLOAD),
// so the whole file is skipped when it is absent and runs wherever `npx install-electron` (or
// ELECTRON_OVERRIDE_DIST_PATH) has provided one. test/integration/electron-main.test.ts covers
// the main's wiring on a stand-in meanwhile.

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The Electron executable, or null. Found the way node_modules/electron/index.js finds it,
 * without requiring that file: in Electron 45 a require with no binary starts a download.
 */
function electronBinary(): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const exe = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
  if (override) return fs.existsSync(path.join(override, exe)) ? path.join(override, exe) : null;
  let dir: string;
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathTxt = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathTxt)) return null;
  const bin = path.join(dir, 'dist', fs.readFileSync(pathTxt, 'utf8').trim());
  return fs.existsSync(bin) ? bin : null;
}

const ELECTRON = electronBinary();

describe.skipIf(!ELECTRON)('the Electron app', () => {
  let app: ElectronApplication;
  let page: Page;
  let home: string;
  const errors: string[] = [];

  beforeAll(async () => {
    // The main and preload build in a second; the renderer only if it is not built yet.
    execFileSync(process.execPath, ['scripts/build-electron.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (!fs.existsSync(path.join(ROOT, 'out/renderer/index.html'))) {
      execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.ts'], { cwd: ROOT, stdio: 'inherit' });
    }
    // better-sqlite3 for Electron's ABI, as npm start makes it (once; again when stale).
    const { prepareElectronNative } = await import(pathToFileURL(path.join(ROOT, 'scripts/electron-native.mjs')).href);
    if (!(await prepareElectronNative())) throw new Error('the Electron build of better-sqlite3 failed: see above');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-e2e-electron-'));
    const args = ['out/main/index.js'];
    // Chromium refuses to run as root with its OS sandbox (CI containers); the renderer is still
    // sandboxed in Electron's sense (no Node, sandboxed preload), which is what is checked here.
    if (process.getuid?.() === 0) args.unshift('--no-sandbox');
    app = await _electron.launch({
      executablePath: ELECTRON!,
      args,
      cwd: ROOT,
      env: { ...process.env, WXPROV_HOME: home, ELECTRON_ENABLE_LOGGING: '1' } as Record<string, string>,
      timeout: 60_000,
    });
    page = await app.firstWindow();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    await page.waitForLoadState('domcontentloaded');
  }, 240_000);

  afterAll(async () => {
    await app?.close().catch(() => {});
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('opens one window on the built renderer, in the data dir it was given', async () => {
    expect(app.windows()).toHaveLength(1);
    expect(page.url()).toMatch(/^file:\/\/.*\/out\/renderer\/index\.html/);
    expect(await app.evaluate(({ app: a }) => a.getPath('userData'))).toBe(home);
  });

  it('isolates the page: no require, no process, no Node globals', async () => {
    const g = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      return { require: typeof w.require, process: typeof w.process, module: typeof w.module, Buffer: typeof w.Buffer, global: typeof w.global };
    });
    expect(g).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined', Buffer: 'undefined', global: 'undefined' });
    // The preload's world is not the page's: its electron handle and its scope stay out of reach.
    const leaked = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      return ['ipcRenderer', 'contextBridge', 'electron', 'buildApi', 'exports'].filter((k) => typeof w[k] !== 'undefined');
    });
    expect(leaked).toEqual([]);
  });

  it('window.wxprov has only invoke and on, and talks to main', async () => {
    const shape = await page.evaluate(() => {
      const api = (globalThis as unknown as { wxprov: Record<string, unknown> }).wxprov;
      return { keys: Object.keys(api).sort(), types: Object.values(api).map((v) => typeof v) };
    });
    expect(shape).toEqual({ keys: ['invoke', 'on'], types: ['function', 'function'] });
    const state = await page.evaluate(() => (globalThis as any).wxprov.invoke('app.state'));
    expect(state).toMatchObject({ ok: true, value: { mode: null, shell: 'electron', keystore: { state: 'none' } } });
    const unknown = await page.evaluate(() => (globalThis as any).wxprov.invoke('secrets.get').then(() => 'resolved', () => 'rejected'));
    expect(unknown).toBe('rejected');
  });

  it('shows the first-run screen', async () => {
    await expect.poll(() => page.getByTestId('mode-simulation').isVisible(), { timeout: 30_000 }).toBe(true);
    expect(errors.filter((e) => /Content Security Policy|pageerror/i.test(e))).toEqual([]);
  });

  it('keeps the page where it is: no new windows, no navigation, no eval', async () => {
    const opened = await page.evaluate(() => (globalThis as any).open('https://example.com/') === null);
    expect(opened).toBe(true);
    expect(app.windows()).toHaveLength(1);
    const before = page.url();
    await page.evaluate(() => {
      (globalThis as any).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    const evalResult = await page.evaluate(() => {
      try {
        return String((0, eval)('1 + 1'));
      } catch (e) {
        return (e as Error).name;
      }
    });
    expect(evalResult).toBe('EvalError');
  });

  // Last: it leaves the first-run screen. The database opens only here; with npm's Node build of
  // better-sqlite3 Electron would refuse it (NODE_MODULE_VERSION), so this is the Electron build.
  it('opens the ledger: simulation starts on the Electron build of better-sqlite3', async () => {
    const r = await page.evaluate(() => (globalThis as any).wxprov.invoke('app.chooseMode', { mode: 'simulation' }));
    expect(r).toMatchObject({ ok: true, value: { mode: 'simulation' } });
  });
});
