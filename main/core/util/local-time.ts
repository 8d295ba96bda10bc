import { localDay } from './local-day.js';

/**
 * Instants on a station's (or a dashboard's) clock in an IANA time zone: the local hour an
 * instant falls in, the instant written with the zone's offset, and a named calendar day —
 * for yield's periods and ranges (registry/yield-stats.ts, line-yield.ts, the server's
 * dashboard/yield.ts alike).
 */

const partFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = partFormats.get(timeZone);
  if (!f) {
    // localDay checks the zone first and refuses a bad one with CONFIG_INVALID.
    localDay(new Date(0), timeZone);
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormats.set(timeZone, f);
  }
  return f;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(t: number, timeZone: string): LocalParts {
  const p = Object.fromEntries(partsFormat(timeZone).formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour) % 24, minute: Number(p.minute), second: Number(p.second) };
}

/** The start of the local hour `t` falls in: the local minutes and seconds taken off (works for :30 and :45 offsets and across DST). */
export function hourStart(t: number, timeZone: string): number {
  const p = localParts(t, timeZone);
  return t - p.minute * 60_000 - p.second * 1000 - (((t % 1000) + 1000) % 1000);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** An instant as ISO 8601 on the zone's clock with its offset, e.g. 2026-11-28T08:00:00+08:00. */
export function localIso(t: number, timeZone: string): string {
  const p = localParts(t, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const offMin = Math.round((wall - (t - (((t % 1000) + 1000) % 1000))) / 60_000);
  const sign = offMin < 0 ? '-' : '+';
  const a = Math.abs(offMin);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** The local day named by `date` (YYYY-MM-DD) in the zone, or undefined when no such calendar date. */
export function namedLocalDay(date: string, timeZone: string): { start: Date; end: Date } | undefined {
  const [y, m, d] = date.split('-').map(Number);
  const utc = Date.UTC(y, m - 1, d, 12);
  if (new Date(utc).toISOString().slice(0, 10) !== date) return undefined;
  let day = localDay(new Date(utc), timeZone);
  // UTC noon lies on the named date for most zones; step a day where it does not (±12 h and more).
  for (let i = 0; i < 3 && day.date > date; i++) day = localDay(new Date(day.start.getTime() - 1), timeZone);
  for (let i = 0; i < 3 && day.date < date; i++) day = localDay(day.end, timeZone);
  return day.date === date ? { start: day.start, end: day.end } : undefined;
}
