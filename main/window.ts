import { BrowserWindow } from 'electron';
import { pathToFileURL } from 'node:url';
import { CSP } from './core/app/bridge/security.js';

/**
 * The one window. Everything that keeps web content from reaching further than its page is in
 * hardenWindow, so a test can check it on a fake window.
 */

/** The renderer's policy, the same one the loopback bridge sends; the page also carries it as a <meta>. */
export { CSP };

export interface WindowPaths {
  /** out/preload/preload.cjs */
  preload: string;
  /** out/renderer/index.html */
  html: string;
}

export const rendererUrl = (html: string): string => pathToFileURL(html).href;

export function createMainWindow(paths: WindowPaths, opts: { devTools?: boolean } = {}): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 640,
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: opts.devTools ?? true,
    },
  });
  hardenWindow(win);
  win.once('ready-to-show', () => win.show());
  win.loadFile(paths.html).catch((e: unknown) => {
    // Not built (npm run build) or damaged: say so in the log and show the window anyway
    // rather than leave an invisible app running.
    console.error(`wxprov: cannot load ${paths.html}: ${(e as Error).message}`);
    if (!win.isDestroyed()) win.show();
  });
  return win;
}

type Hardenable = Pick<BrowserWindow, 'webContents'>;

const withoutHash = (url: string): string => {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.href;
  } catch {
    return url;
  }
};

/**
 * - a strict Content-Security-Policy on every response of the window's session (file: and http:),
 * - no navigation away from the loaded page (a route change inside it is not a navigation),
 * - no new windows, no <webview>, every permission refused (serial ports are opened by main).
 */
export function hardenWindow(win: Hardenable): void {
  const wc = win.webContents;
  const ses = wc.session;

  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    headers['Content-Security-Policy'] = [CSP];
    callback({ responseHeaders: headers });
  });

  const stay = (e: { preventDefault(): void }, url: string) => {
    if (withoutHash(url) !== withoutHash(wc.getURL())) e.preventDefault();
  };
  wc.on('will-navigate', (e) => stay(e, e.url));
  wc.on('will-redirect', (e) => stay(e, e.url));
  wc.on('will-frame-navigate', (e) => {
    if (!e.isMainFrame) e.preventDefault();
  });
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
  wc.on('will-attach-webview', (e) => e.preventDefault());

  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}
