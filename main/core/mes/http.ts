/** The one HTTP call of the MES hooks: a JSON POST with a deadline. `fetch` is injected so tests drive it. */
export type FetchFn = typeof fetch;

export interface MesPost {
  url: string;
  body: unknown;
  token?: string;
  idempotencyKey?: string;
  timeoutMs: number;
  fetch?: FetchFn;
  signal?: AbortSignal;
}

/** What came back: an HTTP status and the body (JSON when it parses), or no answer at all. */
export type MesAnswer = { kind: 'answer'; status: number; json: unknown; text: string } | { kind: 'none'; detail: string };

export async function postMes(p: MesPost): Promise<MesAnswer> {
  const timeout = AbortSignal.timeout(p.timeoutMs);
  const signal = p.signal ? AbortSignal.any([p.signal, timeout]) : timeout;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (p.token) headers.authorization = `Bearer ${p.token}`;
  if (p.idempotencyKey) headers['idempotency-key'] = p.idempotencyKey;
  try {
    const res = await (p.fetch ?? fetch)(p.url, { method: 'POST', headers, body: JSON.stringify(p.body), signal, redirect: 'error' });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: the status alone decides (a 4xx's text is still the reason shown).
    }
    return { kind: 'answer', status: res.status, json, text };
  } catch (e) {
    if (timeout.aborted) return { kind: 'none', detail: `no answer in ${p.timeoutMs} ms` };
    if (p.signal?.aborted) return { kind: 'none', detail: 'stopped' };
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'none', detail: cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e)) };
  }
}

/** Where a request went, for messages: the address without its query (which might carry a key). */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url;
  }
}
