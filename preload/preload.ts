import { contextBridge, ipcRenderer, type IpcRenderer } from 'electron';
import { EVENT_NAMES, INVOKE_NAMES, eventChannel, invokeChannel, type EventName, type Events, type InvokeName, type WxprovApi } from './contract.js';

/**
 * The sandboxed preload: exposes `window.wxprov` (WxprovApi) and nothing else. It forwards only
 * the contract's message names to their channels; ipcRenderer itself, the IPC event object and
 * any other channel stay out of the page's reach. Bundled to out/preload/preload.cjs (a
 * sandboxed preload is CommonJS and cannot load node_modules).
 */
export type IpcLike = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

export function buildApi(ipc: IpcLike): WxprovApi {
  const invokeNames = new Set<string>(INVOKE_NAMES);
  const eventNames = new Set<string>(EVENT_NAMES);
  const api: WxprovApi = {
    invoke(name, input) {
      if (typeof name !== 'string' || !invokeNames.has(name)) {
        return Promise.reject(new Error(`wxprov: unknown message ${String(name)}`));
      }
      return ipc.invoke(invokeChannel(name as InvokeName), input);
    },
    on<E extends EventName>(event: E, cb: (payload: Events[E]) => void): () => void {
      if (typeof event !== 'string' || !eventNames.has(event)) throw new Error(`wxprov: unknown event ${String(event)}`);
      if (typeof cb !== 'function') throw new Error('wxprov: on() needs a callback');
      const channel = eventChannel(event);
      const listener = (_e: unknown, payload: Events[E]) => cb(payload);
      ipc.on(channel, listener);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(channel, listener);
      };
    },
  };
  return Object.freeze(api);
}

contextBridge.exposeInMainWorld('wxprov', buildApi(ipcRenderer));
