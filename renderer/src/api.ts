/**
 * The one way the UI reaches the station: `window.wxprov` when the Electron preload exposes
 * it, otherwise a client for the loopback bridge of `wxprov ui` (same messages, over HTTP and
 * server-sent events). Everything is typed from preload/contract.ts; nothing here is secret
 * except the bridge session token, which lives in this module's memory only.
 */
import type { ErrorPayload, EventName, Events, Input, InvokeName, Output, Result, WxprovApi } from '../../preload/contract';

declare global {
  interface Window {
    wxprov?: WxprovApi;
  }
}

/** Errors of the bridge itself (the station program is gone, the session token is wrong). */
function bridgeError(kind: 'unreachable' | 'token' | 'answer', detail: string): ErrorPayload {
  const texts = {
    unreachable: ['无法连接工位程序', 'Cannot reach the station program', '确认 wxprov ui 仍在运行，然后刷新页面', 'Check that wxprov ui is still running, then reload the page'],
    token: ['会话已失效', 'This session is no longer valid', '请用 wxprov ui 启动时显示的地址重新打开本页面', 'Open the address printed by wxprov ui again'],
    answer: ['工位程序的应答无法读取', 'The station program sent an answer that could not be read', '刷新页面；持续出现请把日志发给工程师', 'Reload the page; if it persists, send the log to an engineer'],
  }[kind];
  return {
    code: kind === 'answer' ? 'INTERNAL' : 'NET_UNREACHABLE',
    message_zh: `${texts[0]}（${detail}）`,
    message_en: `${texts[1]} (${detail})`,
    hint_zh: texts[2],
    hint_en: texts[3],
  };
}

/** Reads the session token from the address once and drops it from the address bar. */
function takeToken(): string {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token') ?? '';
  if (token) {
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }
  return token;
}

export function createBridgeApi(token: string): WxprovApi {
  let source: EventSource | null = null;
  const events = (): EventSource => {
    source ??= new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    return source;
  };

  return {
    async invoke<K extends InvokeName>(name: K, input?: Input<K>): Promise<Result<Output<K>>> {
      let res: Response;
      try {
        res = await fetch(`/api/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-wxprov-token': token },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        return { ok: false, error: bridgeError('unreachable', name) };
      }
      if (res.status === 401 || res.status === 403) return { ok: false, error: bridgeError('token', `HTTP ${res.status}`) };
      try {
        const body = (await res.json()) as Result<Output<K>>;
        if (body && typeof body === 'object' && 'ok' in body) return body;
      } catch {
        // fall through
      }
      return { ok: false, error: bridgeError('answer', `HTTP ${res.status}`) };
    },
    on<E extends EventName>(event: E, cb: (payload: Events[E]) => void): () => void {
      const listener = (e: MessageEvent<string>) => {
        try {
          cb(JSON.parse(e.data) as Events[E]);
        } catch {
          // a malformed event is ignored; the next one carries the full state again
        }
      };
      const es = events();
      es.addEventListener(event, listener as EventListener);
      return () => es.removeEventListener(event, listener as EventListener);
    },
  };
}

let api: WxprovApi | null = null;

export function getApi(): WxprovApi {
  api ??= window.wxprov ?? createBridgeApi(takeToken());
  return api;
}
