// The platform counts its daily quota in Beijing time (UTC+8, no daylight saving), while the
// people at the station read their own clock: a pause is shown in both, never as bare UTC.

const BEIJING_OFFSET_MS = 8 * 3600_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** The daily quota resets at midnight Beijing time (UTC+8). */
export function nextQuotaReset(now: Date): Date {
  const beijing = new Date(now.getTime() + BEIJING_OFFSET_MS);
  const midnight = Date.UTC(beijing.getUTCFullYear(), beijing.getUTCMonth(), beijing.getUTCDate() + 1);
  return new Date(midnight - BEIJING_OFFSET_MS);
}

/** A moment on the station's own clock (the process's time zone), with its offset: "2026-11-28 17:00 UTC+01:00". */
export function stationTime(at: string | Date): string {
  const d = new Date(at);
  const off = -d.getTimezoneOffset();
  const abs = Math.abs(off);
  const zone = `UTC${off < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())} ${zone}`;
}

/** The same moment in Beijing time: "2026-11-29 00:00". */
export function beijingTime(at: string | Date): string {
  const b = new Date(new Date(at).getTime() + BEIJING_OFFSET_MS);
  return `${b.getUTCFullYear()}-${pad(b.getUTCMonth() + 1)}-${pad(b.getUTCDate())} ${pad(b.getUTCHours())}:${pad(b.getUTCMinutes())}`;
}
