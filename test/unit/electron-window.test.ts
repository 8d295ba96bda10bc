import { describe, expect, it, vi } from 'vitest';

const fx = vi.hoisted(() => ({ created: [] as { options: Record<string, unknown>; win: unknown }[] }));

vi.mock('electron', () => ({
  BrowserWindow: class {
    webContents = fakeWebContents();
    loadFile = vi.fn(async () => {});
    once = vi.fn();
    show = vi.fn();
    constructor(options: Record<string, unknown>) {
      fx.created.push({ options, win: this });
    }
  },
}));

type Handler = (...args: any[]) => any;

function fakeWebContents(url = 'file:///app/out/renderer/index.html') {
  const on = new Map<string, Handler>();
  const session = {
    headers: null as Handler | null,
    permissionRequest: null as Handler | null,
    permissionCheck: null as Handler | null,
    devicePermission: null as Handler | null,
    webRequest: { onHeadersReceived: (fn: Handler) => void (session.headers = fn) },
    setPermissionRequestHandler: (fn: Handler) => void (session.permissionRequest = fn),
    setPermissionCheckHandler: (fn: Handler) => void (session.permissionCheck = fn),
    setDevicePermissionHandler: (fn: Handler) => void (session.devicePermission = fn),
  };
  const wc = {
    on: (event: string, fn: Handler) => (on.set(event, fn), wc),
    getURL: () => url,
    windowOpen: null as Handler | null,
    setWindowOpenHandler: (fn: Handler) => void (wc.windowOpen = fn),
    session,
    handlers: on,
  };
  return wc;
}

const { CSP, createMainWindow, hardenWindow } = await import('../../main/window.js');

const event = <X extends Record<string, unknown>>(extra: X = {} as X) => ({
  prevented: false,
  preventDefault() {
    this.prevented = true;
  },
  ...extra,
});

describe('hardenWindow', () => {
  const setup = () => {
    const wc = fakeWebContents();
    hardenWindow({ webContents: wc } as never);
    return wc;
  };

  it('puts the strict CSP on every response, replacing any other', () => {
    const wc = setup();
    const cb = vi.fn();
    wc.session.headers!({ url: 'file:///app/out/renderer/index.html', responseHeaders: { 'content-security-policy': ['*'], 'X-A': ['1'] } }, cb);
    expect(cb).toHaveBeenCalledWith({ responseHeaders: { 'X-A': ['1'], 'Content-Security-Policy': [CSP] } });
    wc.session.headers!({ url: 'http://127.0.0.1/' }, cb);
    expect(cb).toHaveBeenLastCalledWith({ responseHeaders: { 'Content-Security-Policy': [CSP] } });
  });

  it('denies navigation away, allows a route change on the same page', () => {
    const wc = setup();
    const nav = wc.handlers.get('will-navigate')!;
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'file:///app/out/renderer/other.html']) {
      const e = event({ url });
      nav(e, url);
      expect(e.prevented, url).toBe(true);
    }
    const same = event({ url: 'file:///app/out/renderer/index.html#/records' });
    nav(same, same.url);
    expect(same.prevented).toBe(false);
    const redirect = event({ url: 'https://evil.example/' });
    wc.handlers.get('will-redirect')!(redirect);
    expect(redirect.prevented).toBe(true);
    const sub = event({ url: 'https://evil.example/', isMainFrame: false });
    wc.handlers.get('will-frame-navigate')!(sub);
    expect(sub.prevented).toBe(true);
  });

  it('denies new windows, webviews and every permission', () => {
    const wc = setup();
    expect(wc.windowOpen!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const wv = event();
    wc.handlers.get('will-attach-webview')!(wv, {}, {});
    expect(wv.prevented).toBe(true);
    for (const permission of ['media', 'serial', 'notifications', 'clipboard-read', 'geolocation']) {
      const cb = vi.fn();
      wc.session.permissionRequest!(wc, permission, cb, {});
      expect(cb).toHaveBeenCalledWith(false);
      expect(wc.session.permissionCheck!(wc, permission, 'file://', {})).toBe(false);
    }
    expect(wc.session.devicePermission!({ deviceType: 'serial' })).toBe(false);
  });
});

describe('createMainWindow', () => {
  it('isolates the renderer: context isolation, sandbox, no Node, web security, our preload', () => {
    fx.created.length = 0;
    createMainWindow({ preload: '/app/out/preload/preload.cjs', html: '/app/out/renderer/index.html' });
    const { options, win } = fx.created[0] as { options: { webPreferences: Record<string, unknown> }; win: { loadFile: Handler; webContents: ReturnType<typeof fakeWebContents> } };
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(win.loadFile).toHaveBeenCalledWith('/app/out/renderer/index.html');
    // hardenWindow ran on it.
    expect(win.webContents.windowOpen).not.toBeNull();
    expect(win.webContents.handlers.has('will-navigate')).toBe(true);
  });
});
