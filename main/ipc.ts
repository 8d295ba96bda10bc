import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { EVENT_NAMES, INVOKE_NAMES, eventChannel, invokeChannel, type EventName, type Handlers, type Result } from '../preload/contract.js';
import { dispatch } from './core/app/dispatch.js';
import { WxError } from './core/errors/wx-error.js';

/**
 * The Electron side of the contract: one `ipcMain.handle` per message in preload/contract.ts,
 * each going through the same dispatch (validation, Result wrapping) as the loopback bridge.
 * Electron types are type-only here; the ipcMain and the window are parameters, so a unit
 * test drives this with fakes.
 */

/** Decides whether an invoke comes from our renderer (not a navigated-away or foreign frame). */
export type SenderCheck = (e: Pick<IpcMainInvokeEvent, 'senderFrame'>) => boolean;

/**
 * Trusts only a frame showing our renderer page: `file:` with the same path as `rendererUrl`
 * (any `#route` or `?query` allowed). A frame that is gone (`senderFrame` null) is refused.
 */
export function senderIs(rendererUrl: string): SenderCheck {
  const ours = new URL(rendererUrl);
  return (e) => {
    const url = e.senderFrame?.url;
    if (!url) return false;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    return u.protocol === ours.protocol && u.host === ours.host && u.pathname === ours.pathname;
  };
}

const refused = (name: string): Result<never> => ({
  ok: false,
  error: new WxError('INTERNAL', { detail: `IPC message ${name} from an unknown frame was refused` }).toPayload(),
});

/** Registers one handler per contract message; returns a function that removes them all. */
export function registerIpc(ipc: Pick<IpcMain, 'handle' | 'removeHandler'>, handlers: Handlers, isOurs: SenderCheck): () => void {
  for (const name of INVOKE_NAMES) {
    ipc.handle(invokeChannel(name), (e: IpcMainInvokeEvent, input: unknown) => {
      if (!isOurs(e)) {
        console.warn(`wxprov: refused ${name} from ${e.senderFrame?.url ?? 'a destroyed frame'}`);
        return refused(name);
      }
      return dispatch(handlers, name, input);
    });
  }
  return () => {
    for (const name of INVOKE_NAMES) ipc.removeHandler(invokeChannel(name));
  };
}

export type EventSource = { onEvent(cb: (name: EventName, payload: unknown) => void): () => void };
export type EventTarget = Pick<WebContents, 'send' | 'isDestroyed'>;

/**
 * Pushes the service's events to the window (`wxprov-event:<name>`). The target is looked up
 * on every event, so a window that is closed or not open yet just misses it.
 */
export function forwardEvents(service: EventSource, target: () => EventTarget | null | undefined): () => void {
  const known = new Set<string>(EVENT_NAMES);
  return service.onEvent((name, payload) => {
    if (!known.has(name)) return;
    const wc = target();
    if (!wc || wc.isDestroyed()) return;
    wc.send(eventChannel(name), payload);
  });
}
