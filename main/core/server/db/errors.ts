import { WxError } from '../../errors/wx-error.js';

/** The SQLSTATE of a database error, from either driver (both carry it as `code`). */
export function sqlState(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c) ? c : undefined;
}

export const isUniqueViolation = (e: unknown): boolean => sqlState(e) === '23505';

const NODE_NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

/**
 * A fault of the store itself (the connection is gone, the server is shutting down, out of
 * space) as FLEET_STORE_FAILED, which a client may retry; anything else is left as it is.
 * SQLSTATE classes: 08 connection, 53 resources, 57 operator intervention, 58 system error.
 */
export function storeFault(e: unknown): unknown {
  const state = sqlState(e);
  const code = (e as { code?: unknown } | null)?.code;
  if ((state && /^(08|53|57|58)/.test(state)) || (typeof code === 'string' && NODE_NET.has(code))) {
    return new WxError('FLEET_STORE_FAILED', { detail: state ?? String(code) }, { cause: e, retryable: true });
  }
  return e;
}
