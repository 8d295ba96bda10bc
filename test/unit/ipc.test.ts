import { describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, INVOKE_NAMES, eventChannel, invokeChannel, type EventName, type Handlers } from '../../preload/contract.js';
import { forwardEvents, registerIpc, senderIs } from '../../main/ipc.js';

const RENDERER = 'file:///opt/WMPF%20Provisioning%20Station/resources/app.asar/out/renderer/index.html';
type Listener = (e: unknown, input?: unknown) => unknown;

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const handle = vi.fn((channel: string, fn: Listener) => {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    handlers.set(channel, fn);
  });
  const removeHandler = vi.fn((channel: string) => void handlers.delete(channel));
  return { handlers, handle, removeHandler };
}

/** Every message answers its own name; the table is typed loosely on purpose. */
function fakeHandlers() {
  const calls: string[] = [];
  const table = Object.fromEntries(INVOKE_NAMES.map((n) => [n, (input: unknown) => (calls.push(n), { name: n, input })]));
  return { calls, handlers: table as unknown as Handlers };
}

const from = (url: string | null) => ({ senderFrame: url === null ? null : { url } });

describe('registerIpc', () => {
  it('registers exactly one handler per contract message, on the contract channel', () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc as never, fakeHandlers().handlers, senderIs(RENDERER));
    expect(ipc.handle).toHaveBeenCalledTimes(INVOKE_NAMES.length);
    expect([...ipc.handlers.keys()].sort()).toEqual(INVOKE_NAMES.map(invokeChannel).sort());
    expect(new Set(INVOKE_NAMES.map(invokeChannel)).size).toBe(INVOKE_NAMES.length);
  });

  it('runs our renderer through dispatch: validated input, Result out', async () => {
    const ipc = fakeIpcMain();
    const { handlers, calls } = fakeHandlers();
    registerIpc(ipc as never, handlers, senderIs(RENDERER));
    const setLocale = ipc.handlers.get(invokeChannel('app.setLocale'))!;
    await expect(setLocale(from(`${RENDERER}#/setup`), { locale: 'en' })).resolves.toEqual({
      ok: true,
      value: { name: 'app.setLocale', input: { locale: 'en' } },
    });
    const bad = (await setLocale(from(RENDERER), { locale: 'fr' })) as { ok: boolean; error: { code: string } };
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('INPUT_INVALID');
    expect(calls).toEqual(['app.setLocale']);
  });

  it('refuses other frames with a Result error and never runs the handler', async () => {
    const ipc = fakeIpcMain();
    const { handlers, calls } = fakeHandlers();
    registerIpc(ipc as never, handlers, senderIs(RENDERER));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const state = ipc.handlers.get(invokeChannel('app.state'))!;
    for (const url of [
      'https://evil.example/',
      'http://127.0.0.1:5173/index.html',
      'file:///tmp/evil/index.html',
      'file:///opt/WMPF%20Provisioning%20Station/resources/app.asar/out/renderer/index.html.evil',
      'about:blank',
      'not a url',
      '',
      null,
    ]) {
      const r = (await state(from(url), undefined)) as { ok: boolean; error?: { code: string } };
      expect(r.ok, String(url)).toBe(false);
      expect(r.error?.code).toBe('INTERNAL');
    }
    expect(calls).toEqual([]);
    warn.mockRestore();
  });

  it('removes every handler it registered', () => {
    const ipc = fakeIpcMain();
    const off = registerIpc(ipc as never, fakeHandlers().handlers, senderIs(RENDERER));
    off();
    expect(ipc.handlers.size).toBe(0);
    expect(ipc.removeHandler).toHaveBeenCalledTimes(INVOKE_NAMES.length);
  });
});

describe('senderIs', () => {
  it('accepts the renderer page with any route or query, nothing else', () => {
    const ours = senderIs(RENDERER);
    expect(ours(from(RENDERER) as never)).toBe(true);
    expect(ours(from(`${RENDERER}?lang=en#/line`) as never)).toBe(true);
    expect(ours(from(RENDERER.replace('index.html', 'other.html')) as never)).toBe(false);
  });
});

describe('forwardEvents', () => {
  function fakeService() {
    let cb: ((name: EventName, payload: unknown) => void) | null = null;
    return {
      emit: (name: string, payload: unknown) => cb?.(name as EventName, payload),
      onEvent: vi.fn((f: (name: EventName, payload: unknown) => void) => {
        cb = f;
        return () => void (cb = null);
      }),
    };
  }

  it('sends each contract event on its channel to the current window', () => {
    const svc = fakeService();
    const wc = { send: vi.fn(), isDestroyed: () => false };
    const off = forwardEvents(svc, () => wc);
    for (const name of EVENT_NAMES) svc.emit(name, { n: name });
    expect(wc.send.mock.calls).toEqual(EVENT_NAMES.map((n) => [eventChannel(n), { n }]));
    svc.emit('secrets', { appsecret: 'x' });
    expect(wc.send).toHaveBeenCalledTimes(EVENT_NAMES.length);
    off();
    svc.emit('line', {});
    expect(wc.send).toHaveBeenCalledTimes(EVENT_NAMES.length);
  });

  it('drops events while there is no window or it is destroyed', () => {
    const svc = fakeService();
    const wc = { send: vi.fn(), isDestroyed: () => true };
    let target: typeof wc | null = null;
    forwardEvents(svc, () => target);
    svc.emit('app', {});
    target = wc;
    svc.emit('app', {});
    expect(wc.send).not.toHaveBeenCalled();
  });
});
