import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, INVOKE_NAMES, eventChannel, invokeChannel, type InvokeName, type WxprovApi } from '../../preload/contract.js';

type Listener = (e: unknown, payload: unknown) => void;

/** A stand-in for ipcRenderer: records invokes, keeps listeners per channel. */
function fakeIpcRenderer() {
  const listeners = new Map<string, Set<Listener>>();
  return {
    listeners,
    invoke: vi.fn(async (channel: string, input?: unknown) => ({ ok: true, value: { channel, input } })),
    on: vi.fn((channel: string, l: Listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    }),
    removeListener: vi.fn((channel: string, l: Listener) => void listeners.get(channel)?.delete(l)),
    emit(channel: string, payload: unknown) {
      for (const l of listeners.get(channel) ?? []) l({ sender: 'the IPC event, not for the page' }, payload);
    },
    send: vi.fn(),
    sendSync: vi.fn(),
  };
}

const fx = vi.hoisted(() => ({ exposed: [] as [string, unknown][], ipc: null as unknown }));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => fx.exposed.push([key, api]) },
  get ipcRenderer() {
    return fx.ipc;
  },
}));

const UNKNOWN = ['wxprov:app.state', 'app.State', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'secrets.get', 42, null, undefined];

/** The same checks for the source (vitest) and the built bundle (out/preload/preload.cjs). */
function contractChecks(getApi: () => { api: WxprovApi; ipc: ReturnType<typeof fakeIpcRenderer> }) {
  it('invoke forwards each contract message to its channel with the input', async () => {
    const { api, ipc } = getApi();
    for (const name of INVOKE_NAMES) {
      await expect(api.invoke(name, { x: 1 } as never)).resolves.toEqual({ ok: true, value: { channel: invokeChannel(name), input: { x: 1 } } });
    }
    expect(ipc.invoke).toHaveBeenCalledTimes(INVOKE_NAMES.length);
  });

  it('invoke rejects any other name without touching IPC', async () => {
    const { api, ipc } = getApi();
    for (const name of UNKNOWN) await expect(api.invoke(name as InvokeName)).rejects.toThrow(/unknown message/);
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it('on subscribes to the event channel, passes only the payload, and unsubscribes', () => {
    const { api, ipc } = getApi();
    for (const event of EVENT_NAMES) {
      const seen: unknown[][] = [];
      const off = api.on(event, (...args: unknown[]) => seen.push(args));
      ipc.emit(eventChannel(event), { event });
      expect(seen).toEqual([[{ event }]]);
      off();
      off();
      ipc.emit(eventChannel(event), { again: true });
      expect(seen).toHaveLength(1);
      expect(ipc.listeners.get(eventChannel(event))?.size).toBe(0);
    }
  });

  it('on refuses unknown events and non-functions', () => {
    const { api, ipc } = getApi();
    for (const name of UNKNOWN) expect(() => api.on(name as never, () => {})).toThrow(/unknown event/);
    expect(() => api.on('app', 'x' as never)).toThrow();
    expect(ipc.on).not.toHaveBeenCalled();
  });
}

describe('preload/preload.ts', () => {
  let ipc: ReturnType<typeof fakeIpcRenderer>;
  beforeEach(async () => {
    vi.resetModules();
    fx.exposed.length = 0;
    ipc = fakeIpcRenderer();
    fx.ipc = ipc;
    await import('../../preload/preload.js');
  });

  it('exposes window.wxprov with only invoke and on, and never ipcRenderer', () => {
    expect(fx.exposed.map(([k]) => k)).toEqual(['wxprov']);
    const api = fx.exposed[0][1] as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on']);
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true);
    expect(Object.values(api)).not.toContain(ipc);
  });

  contractChecks(() => ({ api: fx.exposed[0][1] as WxprovApi, ipc }));
});

describe('the built preload bundle (esbuild, zod stood in)', () => {
  let built: { api: WxprovApi; ipc: ReturnType<typeof fakeIpcRenderer>; exposed: [string, unknown][]; code: string };
  beforeEach(async () => {
    // Build exactly as scripts/build-electron.mjs does, in memory, and run it as Electron runs a
    // sandboxed preload: a script with module/exports and a require that knows `electron`.
    const script = pathToFileURL(path.resolve('scripts/build-electron.mjs')).href;
    const { preloadOptions } = (await import(script)) as { preloadOptions: Record<string, unknown> };
    const { build } = await import('esbuild');
    const out = await build({ ...preloadOptions, write: false, sourcemap: false, logLevel: 'silent' });
    const code = out.outputFiles.find((f) => f.path.endsWith('.cjs'))!.text;
    expect(code).not.toMatch(/ZodError|require\("zod"\)/);
    const ipc = fakeIpcRenderer();
    const exposed: [string, unknown][] = [];
    const req = (id: string) => {
      if (id === 'electron') return { contextBridge: { exposeInMainWorld: (k: string, v: unknown) => exposed.push([k, v]) }, ipcRenderer: ipc };
      throw new Error(`module not found in a sandboxed preload: ${id}`);
    };
    const module = { exports: {} };
    new Function('require', 'module', 'exports', code)(req, module, module.exports);
    built = { api: exposed[0]?.[1] as WxprovApi, ipc, exposed, code };
  }, 30_000);

  it('is small and exposes only window.wxprov', () => {
    expect(built.code.length).toBeLessThan(50_000);
    expect(built.exposed.map(([k]) => k)).toEqual(['wxprov']);
    expect(Object.keys(built.api as object).sort()).toEqual(['invoke', 'on']);
  });

  contractChecks(() => built);
});
