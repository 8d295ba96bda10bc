import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../main/core/wechat/backoff.js';
import { classifyFetchError, networkErrorCode } from '../../main/core/wechat/transport.js';

const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
const sys = (code: string) => Object.assign(new Error(code), { code });

describe('backoff', () => {
  it('is full jitter under an exponential ceiling capped at capMs', () => {
    const cfg = { baseMs: 500, capMs: 8000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, cfg, () => 0.999999))).toEqual([499, 999, 1999, 3999, 7999, 7999]);
    expect(backoffDelay(3, cfg, () => 0)).toBe(0);
    // A background loop keeps a floor: never an immediate retry, never more than the ceiling.
    expect(backoffDelay(3, { ...cfg, floor: 0.5 }, () => 0)).toBe(1000);
    expect(backoffDelay(3, { ...cfg, floor: 0.5 }, () => 0.999999)).toBe(1999);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(10, cfg, Math.random);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(8000);
    }
  });
});

describe('fetch failure classification', () => {
  it('finds the system code in undici causes and Happy Eyeballs aggregates', () => {
    expect(networkErrorCode(fetchFailed(sys('ECONNREFUSED')))).toBe('ECONNREFUSED');
    expect(networkErrorCode(fetchFailed(new AggregateError([sys('ECONNREFUSED'), sys('ECONNREFUSED')])))).toBe('ECONNREFUSED');
    expect(networkErrorCode(new Error('plain'))).toBeUndefined();
  });

  it('knows which failures certainly did not send the request', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']) {
      const f = classifyFetchError(fetchFailed(sys(code)), 'h:1', false);
      expect([f.error.code, f.delivery, f.error.retryable]).toEqual(['NET_UNREACHABLE', 'not-sent', true]);
    }
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']) {
      expect(classifyFetchError(fetchFailed(sys(code)), 'h:1', false).delivery).toBe('maybe-sent');
    }
    expect(classifyFetchError(fetchFailed(undefined), 'h:1', false).delivery).toBe('maybe-sent');
    const t = classifyFetchError(new DOMException('aborted', 'AbortError'), 'h:1', true);
    expect([t.error.code, t.error.params.host, t.delivery]).toEqual(['NET_TIMEOUT', 'h:1', 'maybe-sent']);
    expect(classifyFetchError(fetchFailed(sys('UND_ERR_CONNECT_TIMEOUT')), 'h:1', false).delivery).toBe('not-sent');
  });
});
