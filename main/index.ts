import { app, BrowserWindow, dialog, ipcMain, safeStorage } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppService, openAppSettings } from './core/app/index.js';
import { resolveHome } from './core/config/home.js';
import { ensurePrivateDir } from './core/config/private-files.js';
import { toPayload } from './core/errors/wx-error.js';
import { electronBindings } from './core/native/index.js';
import { forwardEvents, registerIpc, senderIs } from './ipc.js';
import { safeStorageKeychain, safeStorageLegacyOpener } from './safe-storage-keychain.js';
import { createMainWindow, rendererUrl } from './window.js';

/**
 * The Electron main: one instance per data dir, the data dir shared with the CLI, the core's
 * AppService behind the IPC handlers, one hardened window. Built to out/main/index.js (ESM).
 */

const PRODUCT_NAME = 'WMPF Provisioning Station';
const here = path.dirname(fileURLToPath(import.meta.url));
const paths = {
  preload: path.join(here, '..', 'preload', 'preload.cjs'),
  html: path.join(here, '..', 'renderer', 'index.html'),
};

// The same directory as the CLI (WXPROV_HOME, else defaultHome()), set before anything reads
// userData — the single-instance lock lives there too, so one app runs per data dir.
// Chromium's own files (caches, local storage) go to a subfolder, away from wxprov.db.
const home = dataDir();
app.setName(PRODUCT_NAME);
app.setPath('userData', home);
app.setPath('sessionData', path.join(home, 'chromium'));
app.enableSandbox();

let win: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  app.whenReady().then(start, fail);
}

async function start(): Promise<void> {
  const service = await createAppService({
    home,
    env: process.env,
    kv: openAppSettings(home),
    keychain: safeStorageKeychain(safeStorage),
    legacyOpeners: [safeStorageLegacyOpener(safeStorage)],
    shell: 'electron',
    nativeBinding: sqliteBinding(),
  });

  const unregister = registerIpc(ipcMain, service.handlers, senderIs(rendererUrl(paths.html)));
  const stopEvents = forwardEvents(service, () => (win && !win.isDestroyed() ? win.webContents : null));

  const open = () => {
    win = createMainWindow(paths, { devTools: !app.isPackaged });
    win.on('closed', () => (win = null));
  };
  open();
  app.on('activate', () => {
    if (!win) open();
  });
  app.on('window-all-closed', () => app.quit());

  // Stop the line and close the database before the process goes.
  let closed = false;
  let closing = false;
  app.on('will-quit', (e) => {
    if (closed) return;
    e.preventDefault();
    if (closing) return;
    closing = true;
    stopEvents();
    unregister();
    service
      .close()
      .catch((err: unknown) => console.error('wxprov: close failed:', toPayload(err).message_en))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}

/** The CLI's data dir, owner-only; a refused one (a relative WXPROV_HOME) ends the app before anything opens. */
function dataDir(): string {
  try {
    const dir = resolveHome(process.env);
    ensurePrivateDir(dir);
    return dir;
  } catch (e) {
    fail(e);
    // app.exit returns; nothing below may run without a data dir.
    process.exit(1);
  }
}

/**
 * better-sqlite3's Electron build (out/native/electron-<abi>, made by npm start): Electron
 * refuses the copy npm built for Node. The packaged app has none and needs none: electron-builder
 * rebuilt its node_modules for Electron.
 */
function sqliteBinding(): string | undefined {
  const build = electronBindings(path.join(here, '..', 'native'), import.meta.url);
  if (build.state === 'ready') return build.bindings['better-sqlite3'];
  if (process.versions.electron && !app.isPackaged) console.error(`wxprov: ${build.why}; npm start builds it (or node scripts/electron-native.mjs)`);
  return undefined;
}

function fail(err: unknown): void {
  const p = toPayload(err);
  console.error('wxprov: the app could not start:', p.message_en, err);
  dialog.showErrorBox(PRODUCT_NAME, `${p.message_zh}\n${p.message_en}\n\n${p.hint_zh}\n${p.hint_en}`);
  app.exit(1);
}
