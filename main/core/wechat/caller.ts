import { WxError } from '../errors/wx-error.js';
import type { Logger } from '../log/logger.js';
import { redactor } from '../log/redact.js';
import { errcodeError } from './errcodes.js';
import { retrying, type Attempt, type RetryDeps } from './retry.js';
import { exchange, type Failure, type HttpRequest } from './transport.js';

export interface CallerDeps {
  fetch: typeof fetch;
  now: () => number;
  logger: Logger;
  retry: RetryDeps;
  timeoutMs: number;
}

export type RetryPolicy = (f: Failure) => boolean;

/** Retry whatever the error itself calls retryable: network faults, 5xx, garbage, errcode -1. */
export const retryWhenRetryable: RetryPolicy = (f) => f.error.retryable;

export interface CallSpec {
  /** Name in logs: the runtime endpoint name, or token / stable_token. */
  endpoint: string;
  request: HttpRequest;
  policy: RetryPolicy;
  /** Values of this call that must not surface in an error (e.g. the push_token). */
  scrub?: readonly string[];
  /**
   * The token endpoints leave errcode out when they succeed (their answer is checked for the
   * token instead); every business endpoint must say errcode 0 to count as done.
   */
  errcodeOptional?: boolean;
}

/**
 * The errcode of an answer: an integer, or an integer written as a string (the platform sends
 * some numbers as strings). Anything else, including null, is no errcode at all.
 */
export function readErrcode(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^-?\d{1,10}$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

/**
 * One logical platform call: retried per its policy, every attempt logged, and a JSON answer
 * with a non-zero errcode turned into a Failure. A business answer without a readable errcode
 * is NET_BAD_RESPONSE, never success: a 200 from a proxy or a half-broken gateway once marked
 * 100 ids synced that the platform never saw.
 */
export async function callPlatform(deps: CallerDeps, spec: CallSpec): Promise<Attempt<Record<string, unknown>>> {
  // Redacted once, up front: the only form of the URL that is ever allowed into a log.
  const safeUrl = redactor.redact(spec.request.url.toString());
  const once = async (attempt: number): Promise<Attempt<Record<string, unknown>>> => {
    const started = deps.now();
    const r = await exchange(deps.fetch, spec.request, deps.timeoutMs);
    const ms = deps.now() - started;
    let out: Attempt<Record<string, unknown>>;
    if (!r.ok) {
      out = r;
    } else {
      const raw = r.json.errcode;
      const errcode = raw === undefined && spec.errcodeOptional ? 0 : readErrcode(raw);
      if (errcode === undefined) {
        // Same as an unreadable body: we cannot tell what the platform did.
        const detail = raw === undefined ? 'no errcode in the answer' : `errcode ${JSON.stringify(raw)}`.slice(0, 80);
        out = { ok: false, failure: { error: new WxError('NET_BAD_RESPONSE', { detail }, { retryable: true }), delivery: 'maybe-sent' } };
      } else if (errcode !== 0) {
        out = { ok: false, failure: { error: errcodeError(errcode, r.json.errmsg, spec.scrub), delivery: 'answered' } };
      } else {
        out = { ok: true, value: r.json };
      }
    }
    const fields = {
      endpoint: spec.endpoint,
      url: safeUrl,
      attempt,
      ms,
      errcode: out.ok ? 0 : out.failure.error.errcode,
      ...(out.ok ? {} : { code: out.failure.error.code }),
    };
    if (out.ok) deps.logger.info('wx.request', fields);
    else deps.logger.warn('wx.request', fields);
    return out;
  };
  return retrying(once, spec.policy, deps.retry);
}
