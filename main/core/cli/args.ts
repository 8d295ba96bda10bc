import { WxError } from '../errors/wx-error.js';
import { parseProductId } from '../ids/validate.js';
import type { Values } from './command.js';

/** Flag readers that turn a missing or malformed flag into a clear INPUT_* error naming it. */
export function str(v: Values, name: string, usage: string): string {
  const x = v[name];
  if (typeof x !== 'string' || x === '') throw new WxError('INPUT_MISSING', { field: `--${name}`, usage });
  return x;
}

export const optStr = (v: Values, name: string): string | undefined => {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
};

export function productId(v: Values, usage: string, name = 'product'): number {
  const raw = str(v, name, usage);
  const id = parseProductId(raw);
  if (id === undefined) throw new WxError('INPUT_INVALID', { field: `--${name}`, detail: raw, allowed: 'a positive whole number (the product_id)' });
  return id;
}

export function optInt(v: Values, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = optStr(v, name);
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new WxError('INPUT_INVALID', { field: `--${name}`, detail: raw, allowed: `a whole number ${min}-${max}` });
  }
  return n;
}

/** Exactly one of the given flags. */
export function oneOf(v: Values, names: string[], usage: string): string {
  const present = names.filter((n) => v[n] !== undefined);
  if (present.length !== 1) {
    const field = names.map((n) => `--${n}`).join(' | ');
    if (present.length === 0) throw new WxError('INPUT_MISSING', { field, usage });
    throw new WxError('INPUT_INVALID', { field, detail: 'more than one given', allowed: 'exactly one of them' });
  }
  return present[0];
}
