/**
 * The one way the UI reaches the station: `window.wxprov` when the Electron preload exposes
 * it, otherwise a client for the loopback bridge of `wxprov ui` (same messages, over HTTP and
 * server-sent events). Everything is typed from preload/contract.ts. In the browser the page
 * holds no secret: the bridge gave it an HttpOnly session cookie with the page, and the token
 * the address carried is dropped from the address bar at start.
 */
import type { ErrorPayload, EventName, Events, Input, InvokeName, Output, Result, WxprovApi } from '../../preload/contract';
import { getConnection, setConnection } from './connection';

declare global {
  interface Window {
    wxprov?: WxprovApi;
  }
}

/** Errors of the bridge itself (the station program is gone, this page's session is not valid). */
function bridgeError(kind: 'unreachable' | 'session' | 'answer', detail: string): ErrorPayload {
  const texts = {
    unreachable: ['无法连接工位程序', 'Cannot reach the station program', '确认工位程序仍在运行；恢复后页面会自动重新连接', 'Check that the station program is still running; the page reconnects by itself when it is back'],
    session: ['本页面的登录已失效', "This page's session is no longer valid", '工位程序可能重新启动过：打开它启动时显示的新地址', 'The station program may have restarted: open the new address it showed when it started'],
    answer: ['工位程序的应答无法读取', 'The station program sent an answer that could not be read', '刷新页面；持续出现请把日志发给工程师', 'Reload the page; if it persists, send the log to an engineer'],
  }[kind];
  return {
    code: kind === 'answer' ? 'INTERNAL' : kind === 'session' ? 'UI_SESSION_REQUIRED' : 'NET_UNREACHABLE',
    message_zh: `${texts[0]}（${detail}）`,
    message_en: `${texts[1]} (${detail})`,
    hint_zh: texts[2],
    hint_en: texts[3],
  };
}

/** The address the station printed carries its token once; the bridge has set the cookie by now. */
function dropTokenFromAddress(): void {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
}

/** Silence longer than this many heartbeats (plus a margin) counts as a lost station. */
const MISSED_BEATS = 2;
const MARGIN_MS = 500;
const WATCH_MS = 250;
/** While lost: how often to knock, and how long one knock may take. */
const PROBE_MS = 1000;
const PROBE_TIMEOUT_MS = 2000;

/**
 * What a page shows is pushed by events; after a gap it missed some. These messages fetch the
 * current value of each, handed to that event's listeners as if it had just arrived.
 */
const CATCH_UP: { [E in EventName]?: (api: WxprovApi) => Promise<Events[E] | undefined> } = {
  app: async (api) => {
    const r = await api.invoke('app.state');
    return r.ok ? r.value : undefined;
  },
  line: async (api) => {
    const r = await api.invoke('line.status');
    return r.ok ? r.value : undefined;
  },
  sync: async (api) => {
    const r = await api.invoke('queue.status');
    return r.ok ? r.value.sync : undefined;
  },
};

export function createBridgeApi(): WxprovApi {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let source: EventSource | null = null;
  let lastBeat = 0;
  let everyMs = 1000;
  let probe: ReturnType<typeof setTimeout> | undefined;
  let dropped = false;

  const deliver = (name: string, payload: unknown) => {
    for (const cb of listeners.get(name) ?? []) {
      try {
        cb(payload);
      } catch {
        // one listener's defect must not starve the others
      }
    }
  };
  const listen = (es: EventSource, name: string) =>
    es.addEventListener(name, (e) => {
      try {
        deliver(name, JSON.parse((e as MessageEvent<string>).data));
      } catch {
        // a malformed event is ignored; the next one carries the full state again
      }
    });

  const alive = () => {
    lastBeat = Date.now();
    if (getConnection() === 'connected') return;
    setConnection('connected');
    if (dropped) {
      dropped = false;
      for (const [name, set] of listeners) {
        if (set.size === 0) continue;
        const fetchNow = CATCH_UP[name as EventName] as ((a: WxprovApi) => Promise<unknown>) | undefined;
        void fetchNow?.(api).then((v) => v !== undefined && deliver(name, v));
      }
    }
  };

  const open = () => {
    const es = new EventSource('/api/events');
    source = es;
    lastBeat = Date.now();
    for (const name of listeners.keys()) listen(es, name);
    es.addEventListener('heartbeat', (e) => {
      try {
        const every = (JSON.parse((e as MessageEvent<string>).data) as { every_ms?: unknown }).every_ms;
        if (typeof every === 'number' && every > 0) everyMs = every;
      } catch {
        // the beat itself is what counts
      }
      alive();
    });
    es.onerror = () => {
      if (source === es) lose('lost');
    };
  };

  /** The stream is gone (or silent): say so, and knock until the program answers. */
  const lose = (why: 'lost' | 'expired') => {
    source?.close();
    source = null;
    dropped = true;
    setConnection(why);
    clearTimeout(probe);
    probe = setTimeout(knock, PROBE_MS);
  };

  const knock = async () => {
    probe = undefined;
    let status = 0;
    try {
      status = (await fetch('/api/ping', { cache: 'no-store', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })).status;
    } catch {
      status = 0;
    }
    if (status === 204) {
      open();
      return;
    }
    // 403: the program is back but does not know this page (a restart). Keep knocking: the
    // new address opened in another tab of this browser, on the same port, lets this one in.
    setConnection(status === 403 || status === 401 ? 'expired' : 'lost');
    probe = setTimeout(knock, PROBE_MS);
  };

  setInterval(() => {
    if (source && Date.now() - lastBeat > everyMs * MISSED_BEATS + MARGIN_MS) lose('lost');
  }, WATCH_MS);

  const api: WxprovApi = {
    async invoke<K extends InvokeName>(name: K, input?: Input<K>): Promise<Result<Output<K>>> {
      let res: Response;
      try {
        res = await fetch(`/api/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        if (source) lose('lost');
        return { ok: false, error: bridgeError('unreachable', name) };
      }
      if (res.status === 401 || res.status === 403) {
        if (source) lose('expired');
        return { ok: false, error: bridgeError('session', `HTTP ${res.status}`) };
      }
      try {
        const body = (await res.json()) as Result<Output<K>>;
        if (body && typeof body === 'object' && 'ok' in body) return body;
      } catch {
        // fall through
      }
      return { ok: false, error: bridgeError('answer', `HTTP ${res.status}`) };
    },
    on<E extends EventName>(event: E, cb: (payload: Events[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        listeners.set(event, (set = new Set()));
        if (source) listen(source, event);
      }
      const entry = cb as (payload: unknown) => void;
      set.add(entry);
      return () => void set.delete(entry);
    },
  };

  open();
  return api;
}

let api: WxprovApi | null = null;

export function getApi(): WxprovApi {
  if (!api) {
    if (window.wxprov) api = window.wxprov;
    else {
      dropTokenFromAddress();
      api = createBridgeApi();
    }
  }
  return api;
}
