import { WxError } from '../errors/wx-error.js';

/** A calendar day on a station's clock: its date and the instants it spans, [start, end). */
export interface LocalDay {
  /** YYYY-MM-DD */
  date: string;
  start: Date;
  end: Date;
}

/** The time zone this process runs in (TZ, else the OS setting). */
export const systemTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

const formats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      throw new WxError('CONFIG_INVALID', { name: 'timeZone', detail: timeZone, allowed: 'an IANA time zone such as Asia/Shanghai' });
    }
    formats.set(timeZone, f);
  }
  return f;
}

/** The date an instant falls on in a time zone, as YYYY-MM-DD (sortable as text). */
export function localDate(t: number, timeZone: string): string {
  const parts = Object.fromEntries(dateFormat(timeZone).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Offsets lie within ±14 h, so a day starts within this distance of its UTC midnight. */
const SPAN_MS = 15 * 3600_000;

/**
 * The first instant on `date` or later. Found by bisection rather than by subtracting an
 * offset: a day may be 23 or 25 hours long, and in some zones the clocks skip midnight itself
 * (the day then starts at 01:00), which no single offset describes.
 */
function startOf(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const utcMidnight = Date.UTC(y, m - 1, d);
  let lo = utcMidnight - SPAN_MS;
  let hi = utcMidnight + SPAN_MS;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(mid, timeZone) >= date) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const nextDate = (date: string): string => {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
};

/** The day `now` falls on in `timeZone` (the station's own zone unless told otherwise). */
export function localDay(now: Date, timeZone: string = systemTimeZone()): LocalDay {
  const date = localDate(now.getTime(), timeZone);
  return { date, start: new Date(startOf(date, timeZone)), end: new Date(startOf(nextDate(date), timeZone)) };
}
