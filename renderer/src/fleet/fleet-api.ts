/**
 * The dashboard's calls to the factory server that served it: same origin, JSON, on the
 * HttpOnly session cookie the login set (the page never holds it). Every answer is a Result
 * with the server's ErrorPayload; a FLEET_LOGIN_REQUIRED anywhere (the session ended: idle,
 * a restart) tells the shell to show the login again.
 */
import type { ErrorPayload, Result } from '../../../preload/contract';
import type { FleetFilter } from './types';

let onSignedOut: (() => void) | null = null;

/** The shell's hook: called when an answer says the session is gone. */
export function whenSignedOut(cb: (() => void) | null): void {
  onSignedOut = cb;
}

function localError(kind: 'unreachable' | 'answer', detail: string): ErrorPayload {
  return kind === 'unreachable'
    ? { code: 'FLEET_OFFLINE', message_zh: `无法连接工厂服务器（${detail}）`, message_en: `Cannot reach the factory server (${detail})`, hint_zh: '检查网络和服务器是否在运行，然后刷新页面', hint_en: 'Check the network and that the server is running, then reload the page' }
    : { code: 'FLEET_BAD_RESPONSE', message_zh: `工厂服务器的应答无法读取（${detail}）`, message_en: `The factory server sent an answer that could not be read (${detail})`, hint_zh: '刷新页面；持续出现请工程师检查服务器', hint_en: 'Reload the page; if it persists, have an engineer check the server' };
}

async function request<T>(path: string, init?: RequestInit): Promise<Result<T>> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
  } catch {
    return { ok: false, error: localError('unreachable', path) };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return { ok: false, error: localError('answer', `HTTP ${res.status}`) };
  }
  if (res.ok) return { ok: true, value: body as T };
  const error = (body as { error?: ErrorPayload } | null)?.error;
  if (!error || typeof error.code !== 'string') return { ok: false, error: localError('answer', `HTTP ${res.status}`) };
  if (error.code === 'FLEET_LOGIN_REQUIRED') onSignedOut?.();
  return { ok: false, error };
}

export const fleetGet = <T>(path: string, params?: URLSearchParams): Promise<Result<T>> => request<T>(params && [...params].length ? `${path}?${params}` : path);

export const fleetPost = <T>(path: string, body: unknown): Promise<Result<T>> =>
  request<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The filter as query parameters: what the search sends, and what the export link carries, alike. */
export function filterParams(f: FleetFilter): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') p.set(k, String(v));
  return p;
}
