import { describe, expect, it } from 'vitest';
import { emWidth, fitFontSize } from '../../renderer/src/screens/line/fit-text.js';
import { MIN_TILE_HEIGHT, TILE_GAP, tileGrid } from '../../renderer/src/screens/line/tile-grid.js';

// The line screen's layout rules, as pure functions; the e2e test (test/e2e/line-fit.test.ts)
// measures the result in Chromium at 1366×768 and 1920×1080.

/** The room the tiles get under the header, scanner and counters. */
const ROOM_1366 = { width: 1334, height: 575 };
const ROOM_1920 = { width: 1888, height: 887 };

const fits = (n: number, room: { width: number; height: number }) => {
  const g = tileGrid(n, room.width, room.height);
  return { ...g, total: g.rows * g.rowHeight + (g.rows - 1) * TILE_GAP, cells: g.cols * g.rows };
};

describe('tileGrid: every slot in view', () => {
  it('8 slots at 1366×768: 4 across, 2 down, within the room', () => {
    const g = fits(8, ROOM_1366);
    expect([g.cols, g.rows]).toEqual([4, 2]);
    expect(g.total).toBeLessThanOrEqual(ROOM_1366.height);
    expect(g.rowHeight).toBeGreaterThanOrEqual(MIN_TILE_HEIGHT);
  });

  it('16 slots at 1920×1080: 6 across, 3 down, within the room', () => {
    const g = fits(16, ROOM_1920);
    expect([g.cols, g.rows]).toEqual([6, 3]);
    expect(g.total).toBeLessThanOrEqual(ROOM_1920.height);
  });

  it('few slots get large tiles side by side; every slot has a cell', () => {
    expect(fits(1, ROOM_1366)).toMatchObject({ cols: 1, rows: 1, rowHeight: ROOM_1366.height });
    expect(fits(2, ROOM_1366)).toMatchObject({ cols: 2, rows: 1 });
    for (let n = 1; n <= 32; n++) expect(fits(n, ROOM_1920).cells).toBeGreaterThanOrEqual(n);
  });

  it('when the room is too small, tiles keep a readable height and the page scrolls', () => {
    const g = fits(32, ROOM_1366);
    expect(g.rowHeight).toBe(MIN_TILE_HEIGHT);
    expect(g.total).toBeGreaterThan(ROOM_1366.height);
  });

  it('nothing to lay out', () => {
    expect(tileGrid(0, 1000, 500).rows).toBe(0);
  });
});

describe('fitFontSize: the word fits its tile', () => {
  it('a longer word gets a smaller share of the width; the height and a pixel cap still bound it', () => {
    const share = (w: string) => Number(/([\d.]+)cqw/.exec(fitFontSize(w, { widthPct: 94, heightPct: 26, maxPx: 160 }))![1]);
    expect(share('EXISTING')).toBeLessThan(share('FAIL'));
    expect(share('EXISTING') * emWidth('EXISTING')).toBeLessThanOrEqual(94);
    expect(fitFontSize('PASS', { widthPct: 94, heightPct: 26, maxPx: 160 })).toMatch(/^min\(26cqh, [\d.]+cqw, 160px\)$/);
  });

  it('counts CJK as a full em, so a Chinese label fits as surely as an English one', () => {
    expect(emWidth('已有设备 ID')).toBeGreaterThanOrEqual(4 + 2 * 0.7);
    expect(emWidth('不合格')).toBe(3);
    expect(emWidth('EXISTING', 0.02)).toBeCloseTo(emWidth('EXISTING') + 8 * 0.02);
  });
});
