/**
 * How the line screen lays out its tiles: the column count that gives every tile the most
 * room in the space there is, so 8 slots fit 1366×768 and 16 fit 1920×1080 without scrolling.
 * Pure (no DOM, no imports): unit-tested in test/unit/renderer-tile-grid.test.ts.
 */

export const TILE_GAP = 8;
/** Below this a tile cannot hold its result and reason; the page scrolls instead. */
export const MIN_TILE_HEIGHT = 170;
/**
 * Tiles read best a little wider than tall (a word across, a few lines down): a tile's room is
 * the smaller of its height and its width over this.
 */
const ASPECT = 1.25;

export interface TileGrid {
  cols: number;
  rows: number;
  /** Each row's height, px: the space shared out, or MIN_TILE_HEIGHT when there is too little. */
  rowHeight: number;
}

export function tileGrid(n: number, width: number, height: number, gap = TILE_GAP): TileGrid {
  if (n <= 0) return { cols: 1, rows: 0, rowHeight: MIN_TILE_HEIGHT };
  let best = { cols: 1, rows: n, room: -Infinity };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const w = (width - gap * (cols - 1)) / cols;
    const h = (height - gap * (rows - 1)) / rows;
    const room = Math.min(w / ASPECT, h);
    if (room > best.room) best = { cols, rows, room };
  }
  const rowHeight = Math.max(MIN_TILE_HEIGHT, Math.floor((height - gap * (best.rows - 1)) / best.rows));
  return { cols: best.cols, rows: best.rows, rowHeight };
}
