import { WxError, isWxError } from '../errors/wx-error.js';
import type { FleetLine } from '../fleet/line.js';
import { MES_CHECK_TIMEOUT_MS } from './config.js';
import { postMes, shownUrl, type FetchFn } from './http.js';

/** What the route check ("过站") sends: the contract, exactly these keys. */
export interface MesCheckRequest {
  station: string;
  slot: string;
  product_id: number;
  hwid: string;
  sn: string | null;
  operator: string;
}

export interface MesCheckOptions {
  url: string;
  offline: 'block' | 'allow';
  token?: string;
  fetch?: FetchFn;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The MES's words, as the operator will read them: one line, bounded. */
export function mesReason(raw: unknown, fallback: string): string {
  const text = typeof raw === 'string' ? raw.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() : '';
  if (!text) return fallback;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/**
 * Asks the MES whether this unit may be written here, before anything is allocated or written.
 * `200 {"ok": true}` goes on; `200 {"ok": false, "reason"}` or any 4xx is MES_REJECTED with
 * the MES's reason; no answer, a 5xx, or a 200 that says neither is MES_UNREACHABLE — unless
 * `mes_offline=allow`, when the unit goes on and the answer says so (`offline: true`).
 */
export async function mesCheck(req: MesCheckRequest, o: MesCheckOptions): Promise<{ offline: boolean; detail?: string }> {
  const a = await postMes({ url: o.url, body: req, token: o.token, timeoutMs: o.timeoutMs ?? MES_CHECK_TIMEOUT_MS, fetch: o.fetch, signal: o.signal });
  let detail: string;
  if (a.kind === 'answer') {
    const body = (a.json ?? {}) as { ok?: unknown; reason?: unknown; message?: unknown };
    if (a.status === 200 && body.ok === true) return { offline: false };
    if ((a.status === 200 && body.ok === false) || (a.status >= 400 && a.status < 500)) {
      const reason = mesReason(body.reason ?? body.message ?? (a.json === undefined ? a.text : undefined), a.status === 200 ? 'no reason given' : `HTTP ${a.status}`);
      throw new WxError('MES_REJECTED', { reason });
    }
    detail = a.status === 200 ? `${shownUrl(o.url)} answered 200 without "ok": true or false` : `${shownUrl(o.url)} answered HTTP ${a.status}`;
  } else detail = `${shownUrl(o.url)}: ${a.detail}`;
  if (o.offline === 'allow') return { offline: true, detail };
  throw new WxError('MES_UNREACHABLE', { detail });
}

/**
 * The route check through the factory server (it holds the MES's address and token for its
 * stations): the MES's refusal is MES_REJECTED as if asked directly; the MES or the server out
 * of reach is MES_UNREACHABLE — or, when the server's `offline` says allow, the unit goes on,
 * marked.
 */
export async function mesCheckViaServer(fleet: FleetLine, offline: 'block' | 'allow', req: MesCheckRequest, signal?: AbortSignal): Promise<{ offline: boolean; detail?: string }> {
  let detail: string;
  try {
    const a = await fleet.session.run((c) => c.mesCheck({ ...req }, { signal }));
    if (a.ok) return { offline: false };
    throw new WxError('MES_REJECTED', { reason: mesReason(a.reason, 'no reason given') });
  } catch (e) {
    if (!isWxError(e) || (e.code !== 'MES_UNREACHABLE' && e.code !== 'FLEET_OFFLINE')) throw e;
    detail = e.code === 'FLEET_OFFLINE' ? `the factory server cannot be reached (${String(e.params.detail ?? e.params.server ?? '')})` : `through the factory server: ${String(e.params.detail ?? '')}`;
  }
  if (offline === 'allow') return { offline: true, detail };
  throw new WxError('MES_UNREACHABLE', { detail });
}
