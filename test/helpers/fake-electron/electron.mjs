// A stand-in for the `electron` module, for running the built main (out/main/index.js) in
// plain Node where the Electron binary cannot be installed. It records what main does with
// the app, ipcMain, safeStorage and its window; runner.mjs drives it and reports.
import { EventEmitter } from 'node:events';

export const record = {
  paths: {},
  name: null,
  sandbox: false,
  lockRequested: false,
  quits: 0,
  windows: [],
  sent: [],
  errors: [],
};

export const handlers = new Map();

export const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  setName: (n) => void (record.name = n),
  getName: () => record.name,
  setPath: (k, v) => void (record.paths[k] = v),
  getPath: (k) => record.paths[k],
  getVersion: () => '0.0.0-test',
  enableSandbox: () => void (record.sandbox = true),
  requestSingleInstanceLock: () => ((record.lockRequested = true), process.env.FAKE_ELECTRON_LOCK !== '0'),
  whenReady: () => Promise.resolve(),
  quit() {
    record.quits++;
    let prevented = false;
    app.emit('will-quit', { preventDefault: () => void (prevented = true) });
    if (!prevented) app.emit('fake-exit', 0);
  },
  exit: (code) => app.emit('fake-exit', code),
});

export const ipcMain = Object.assign(new EventEmitter(), {
  handle(channel, fn) {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    handlers.set(channel, fn);
  },
  removeHandler: (channel) => void handlers.delete(channel),
});

const backend = process.env.FAKE_ELECTRON_BACKEND ?? 'gnome_libsecret';
export const safeStorage = {
  isEncryptionAvailable: () => true,
  encryptString: (s) => Buffer.from(`fake:${Buffer.from(s).toString('hex')}`),
  decryptString: (b) => Buffer.from(b.toString().slice(5), 'hex').toString(),
  getSelectedStorageBackend: () => backend,
};

export const dialog = { showErrorBox: (title, text) => record.errors.push({ title, text }) };
export const shell = { openPath: async () => '' };

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.focused = false;
    this.url = '';
    const session = {
      webRequest: { onHeadersReceived: (fn) => void (session.csp = fn) },
      setPermissionRequestHandler: (fn) => void (session.permissionRequest = fn),
      setPermissionCheckHandler: (fn) => void (session.permissionCheck = fn),
      setDevicePermissionHandler: (fn) => void (session.devicePermission = fn),
    };
    const wc = new EventEmitter();
    Object.assign(wc, {
      session,
      getURL: () => this.url,
      setWindowOpenHandler: (fn) => void (wc.windowOpen = fn),
      send: (channel, payload) => record.sent.push({ channel, payload }),
      isDestroyed: () => false,
    });
    this.webContents = wc;
    record.windows.push(this);
  }
  loadFile(file) {
    this.url = new URL(`file://${file.startsWith('/') ? '' : '/'}${file.replace(/\\/g, '/')}`).href;
    return Promise.resolve();
  }
  isDestroyed = () => false;
  isMinimized = () => false;
  restore() {}
  show() {}
  focus() {
    this.focused = true;
  }
}

export default { app, ipcMain, safeStorage, dialog, shell, BrowserWindow };
