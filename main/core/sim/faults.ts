import { SIM_ENDPOINTS, type Fault } from './types.js';

/**
 * Injected faults, first in first out. A fault is used up request by request (`times`), so a
 * test can say "the next two createproduct calls fail" and then see the third succeed.
 */
export class FaultQueue {
  private readonly faults: { fault: Fault; left: number }[] = [];

  inject(f: Fault): void {
    this.faults.push({ fault: f, left: f.times ?? 1 });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The fault for this request, if one applies; consumes one use of it. */
  take(endpoint: string): Fault | undefined {
    const i = this.faults.findIndex((e) => e.left > 0 && (e.fault.endpoint === endpoint || e.fault.endpoint === '*'));
    if (i < 0) return undefined;
    const entry = this.faults[i];
    entry.left -= 1;
    if (entry.left <= 0) this.faults.splice(i, 1);
    return entry.fault;
  }
}

/**
 * A fault from JSON (the admin route). JSON has no Infinity, so `times` may also be the
 * string "Infinity" or null/-1 for "until cleared". Returns a reason string when invalid.
 */
export function parseFault(v: unknown): Fault | string {
  if (!v || typeof v !== 'object') return 'a JSON object is required';
  const o = v as Record<string, unknown>;
  const endpoint = o.endpoint;
  if (typeof endpoint !== 'string' || (endpoint !== '*' && !(SIM_ENDPOINTS as readonly string[]).includes(endpoint))) {
    return `endpoint must be one of ${[...SIM_ENDPOINTS, '*'].join(', ')}`;
  }
  let times: number | undefined;
  if (o.times === undefined) times = undefined;
  else if (o.times === null || o.times === 'Infinity' || o.times === -1) times = Infinity;
  else if (typeof o.times === 'number' && Number.isInteger(o.times) && o.times > 0) times = o.times;
  else return 'times must be a positive integer, "Infinity" or null';
  const base = { endpoint, times };
  switch (o.kind) {
    case 'errcode':
      if (typeof o.errcode !== 'number' || !Number.isInteger(o.errcode)) return 'errcode must be an integer';
      return { ...base, kind: 'errcode', errcode: o.errcode, errmsg: typeof o.errmsg === 'string' ? o.errmsg : undefined };
    case 'http':
      if (typeof o.status !== 'number' || !Number.isInteger(o.status) || o.status < 100 || o.status > 599) return 'status must be an HTTP status';
      return { ...base, kind: 'http', status: o.status };
    case 'delay':
      if (typeof o.ms !== 'number' || !(o.ms >= 0)) return 'ms must be a non-negative number';
      return { ...base, kind: 'delay', ms: o.ms };
    case 'json':
      if (!o.body || typeof o.body !== 'object' || Array.isArray(o.body)) return 'body must be a JSON object';
      return { ...base, kind: 'json', body: o.body as Record<string, unknown> };
    case 'garbage':
    case 'drop':
    case 'drop-before':
      return { ...base, kind: o.kind };
    default:
      return 'kind must be errcode, http, garbage, json, drop, drop-before or delay';
  }
}
