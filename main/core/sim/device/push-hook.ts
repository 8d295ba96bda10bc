import type { WechatSim } from '../wechat-sim.js';
import type { PushHook } from './types.js';

/** In the same process as the WeChat simulator: tokens go straight into it, pushes come from its listener. */
export function wechatPushHook(sim: Pick<WechatSim, 'registerPushToken' | 'onPush'>): PushHook {
  const mine = new Set<string>();
  return {
    async registerToken(token) {
      sim.registerPushToken(token);
      mine.add(token);
    },
    onPush(cb) {
      return sim.onPush((p) => {
        if (mine.has(p.push_token)) cb(p.msg);
      });
    },
  };
}

export interface HttpPushHookOptions {
  /** The simulator's base URL, http://127.0.0.1:PORT. */
  url: string;
  /** Its admin token (header x-sim-admin). */
  adminToken: string;
  /** How often to ask for new pushes; 200 ms. */
  pollMs?: number;
  fetch?: typeof fetch;
  /** Told about failed polls (the unit stays quiet, as one offline would). */
  onError?: (e: Error) => void;
}

/**
 * For a simulator in another process, through its admin routes: TOKEN registers with
 * POST /__sim/push-tokens, and pushes are polled with GET /__sim/pushes?token=&after= for as
 * long as someone listens.
 */
export function httpPushHook(o: HttpPushHookOptions): PushHook & { close(): void } {
  const doFetch = o.fetch ?? fetch;
  const base = o.url.replace(/\/+$/, '');
  const headers = { 'x-sim-admin': o.adminToken, 'content-type': 'application/json' };
  /** token → how many of its pushes were delivered */
  const seen = new Map<string, number>();
  const listeners = new Set<(msg: string) => void>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let closed = false;

  const poll = async () => {
    for (const [token, after] of seen) {
      const r = await doFetch(`${base}/__sim/pushes?token=${encodeURIComponent(token)}&after=${after}`, { headers });
      if (!r.ok) throw new Error(`GET /__sim/pushes answered HTTP ${r.status}`);
      const body = (await r.json()) as { pushes?: { msg: string }[]; next?: number };
      const pushes = body.pushes ?? [];
      seen.set(token, typeof body.next === 'number' ? body.next : after + pushes.length);
      for (const p of pushes) for (const l of listeners) l(p.msg);
    }
  };
  const schedule = () => {
    if (closed || polling || timer || listeners.size === 0 || seen.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      polling = true;
      poll()
        .catch((e: unknown) => o.onError?.(e instanceof Error ? e : new Error(String(e))))
        .finally(() => {
          polling = false;
          schedule();
        });
    }, o.pollMs ?? 200);
  };

  return {
    async registerToken(token) {
      const r = await doFetch(`${base}/__sim/push-tokens`, { method: 'POST', headers, body: JSON.stringify({ token }) });
      if (!r.ok) throw new Error(`POST /__sim/push-tokens answered HTTP ${r.status}`);
      if (!seen.has(token)) seen.set(token, 0);
      schedule();
    },
    onPush(cb) {
      listeners.add(cb);
      schedule();
      return () => {
        listeners.delete(cb);
        if (listeners.size === 0 && timer) {
          clearTimeout(timer);
          timer = undefined;
        }
      };
    },
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
