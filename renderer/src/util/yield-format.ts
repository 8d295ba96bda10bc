/** How yield numbers read on screen: rates as whole-ish percents, periods by their start. */

/** 0.9734 → "97.3%"; null (no units yet) → "—". */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return `${Math.round(rate * 1000) / 10}%`;
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** An hour's start as the station's local "14:00". */
export function hourLabel(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${p2(d.getHours())}:00`;
}

/** A period's start: "11-28 14:00" by hour, "2026-11-28" by day (local time). */
export function periodLabel(iso: string, by: 'hour' | 'day'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = `${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
  return by === 'hour' ? `${day} ${p2(d.getHours())}:00` : `${d.getFullYear()}-${day}`;
}
