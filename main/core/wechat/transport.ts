import { WxError } from '../errors/wx-error.js';

/**
 * How far a failed request got. It decides whether repeating it is safe: createproduct may
 * only be repeated when the platform certainly never saw the first try.
 */
export type Delivery = 'not-sent' | 'maybe-sent' | 'answered';

export interface Failure {
  error: WxError;
  delivery: Delivery;
}

export type Exchange = { ok: true; json: Record<string, unknown> } | { ok: false; failure: Failure };

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  body?: unknown;
}

// Errors raised before a single byte of the request left this machine.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The system error code behind a fetch failure; undici nests it (and Happy Eyeballs aggregates it). */
export function networkErrorCode(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const o = cur as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof o.code === 'string') return o.code;
    if (Array.isArray(o.errors) && o.errors.length > 0) {
      const inner = networkErrorCode(o.errors[0]);
      if (inner) return inner;
    }
    cur = o.cause;
  }
  return undefined;
}

export function classifyFetchError(e: unknown, host: string, timedOut: boolean): Failure {
  const sysCode = networkErrorCode(e);
  if (sysCode === 'UND_ERR_CONNECT_TIMEOUT') {
    return { error: new WxError('NET_TIMEOUT', { host }, { retryable: true, cause: e }), delivery: 'not-sent' };
  }
  if (timedOut) {
    // Our own deadline fired; the request may well have been written already.
    return { error: new WxError('NET_TIMEOUT', { host }, { retryable: true, cause: e }), delivery: 'maybe-sent' };
  }
  const delivery: Delivery = sysCode && NOT_SENT_CODES.has(sysCode) ? 'not-sent' : 'maybe-sent';
  return { error: new WxError('NET_UNREACHABLE', { host }, { retryable: true, cause: e }), delivery };
}

/**
 * One HTTP exchange under a deadline that covers the body too (a server can stall mid-answer).
 * Never throws: every way it can go wrong comes back as a Failure that says how far it got.
 */
export async function exchange(fetchFn: typeof fetch, req: HttpRequest, timeoutMs: number): Promise<Exchange> {
  const host = req.url.host;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetchFn(req.url, {
        method: req.method,
        headers: req.body === undefined ? undefined : { 'content-type': 'application/json' },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: ac.signal,
      });
    } catch (e) {
      return { ok: false, failure: classifyFetchError(e, host, ac.signal.aborted) };
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      // Headers arrived, so the server has the request: whatever broke, the outcome is unknown.
      const f = classifyFetchError(e, host, ac.signal.aborted);
      return { ok: false, failure: { error: f.error, delivery: 'maybe-sent' } };
    }
    if (res.status >= 500) {
      return { ok: false, failure: { error: new WxError('NET_HTTP_STATUS', { status: res.status }, { retryable: true }), delivery: 'maybe-sent' } };
    }
    if (res.status < 200 || res.status >= 300) {
      return { ok: false, failure: { error: new WxError('NET_HTTP_STATUS', { status: res.status }), delivery: 'answered' } };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) {
      return { ok: false, failure: { error: new WxError('NET_BAD_RESPONSE', { detail: 'not a JSON object' }, { retryable: true }), delivery: 'maybe-sent' } };
    }
    return { ok: true, json: json as Record<string, unknown> };
  } finally {
    clearTimeout(timer);
  }
}
