import { afterEach, describe, expect, it } from 'vitest';
import { localDate, localDay } from '../../main/core/util/local-day.js';

const iso = (d: Date) => d.toISOString();

describe('localDay: the station’s calendar day', () => {
  const tz = process.env.TZ;
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('is the date on the station’s clock, not in UTC', () => {
    // 23:30 UTC on the 27th is already the 28th in Shanghai (UTC+8) and still the 27th in New York.
    const now = new Date('2026-11-27T23:30:00Z');
    expect(localDay(now, 'Asia/Shanghai')).toEqual({ date: '2026-11-28', start: new Date('2026-11-27T16:00:00Z'), end: new Date('2026-11-28T16:00:00Z') });
    expect(localDay(now, 'America/New_York')).toMatchObject({ date: '2026-11-27', start: new Date('2026-11-27T05:00:00Z'), end: new Date('2026-11-28T05:00:00Z') });
    expect(localDay(now, 'UTC').date).toBe('2026-11-27');
  });

  it('spans 23 and 25 hours on the days the clocks change', () => {
    const spring = localDay(new Date('2026-03-08T15:00:00Z'), 'America/New_York');
    expect([iso(spring.start), iso(spring.end)]).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    const autumn = localDay(new Date('2026-11-01T15:00:00Z'), 'America/New_York');
    expect(autumn.end.getTime() - autumn.start.getTime()).toBe(25 * 3600_000);
  });

  it('starts at the first instant of the date where the clocks skip midnight', () => {
    // Chile moves from 00:00 to 01:00 on the first Sunday of September: 2026-09-06 starts at 04:00Z.
    const d = localDay(new Date('2026-09-06T12:00:00Z'), 'America/Santiago');
    expect(d.date).toBe('2026-09-06');
    expect(localDate(d.start.getTime(), 'America/Santiago')).toBe('2026-09-06');
    expect(localDate(d.start.getTime() - 1, 'America/Santiago')).toBe('2026-09-05');
    expect(d.end.getTime() - d.start.getTime()).toBe(23 * 3600_000);
  });

  it('follows TZ when no zone is given', () => {
    process.env.TZ = 'Asia/Shanghai';
    expect(localDay(new Date('2026-11-27T23:30:00Z')).date).toBe('2026-11-28');
    process.env.TZ = 'America/Los_Angeles';
    expect(localDay(new Date('2026-11-27T23:30:00Z')).date).toBe('2026-11-27');
  });

  it('refuses a zone that does not exist, with a stable code', () => {
    expect(() => localDay(new Date(), 'Mars/Olympus')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
