import type { MesAnswer } from './http.js';

/**
 * What a report's answer means, the station's and the factory server's sender alike: 2xx the
 * MES took it; 408, 429, a 5xx, a redirect or no answer — try again later, the event first in
 * line; any other 4xx — the MES will never take it (kept as refused, the next one goes).
 */
export type ReportOutcome = { kind: 'sent' } | { kind: 'retry'; error: string } | { kind: 'refused'; error: string };

export function reportOutcome(a: MesAnswer, where: string): ReportOutcome {
  if (a.kind === 'none') return { kind: 'retry', error: `${where}: ${a.detail}` };
  if (a.status >= 200 && a.status < 300) return { kind: 'sent' };
  if (a.status === 408 || a.status === 429 || a.status >= 500 || a.status < 400) return { kind: 'retry', error: `${where} answered HTTP ${a.status}` };
  return { kind: 'refused', error: `HTTP ${a.status}: ${a.text.replace(/\s+/g, ' ').slice(0, 200)}` };
}

/** After the n-th failure in a row: 1 s, 2 s, 4 s … capped at a minute, so a MES back up hears from the line soon. */
export const backoffMs = (failures: number): number => Math.min(60_000, 1_000 * 2 ** Math.max(0, Math.min(16, failures - 1)));

/** An absolute http(s) address with a host and no credentials in it (they would end up in logs). */
export function isMesUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}
