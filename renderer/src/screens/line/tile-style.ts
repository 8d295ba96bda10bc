/**
 * Sizes inside a tile. The tile is a CSS size container, so these are in container units of
 * the tile: everything scales with it, from 16 small tiles to 2 large ones, and the parts add
 * up to less than its height (the e2e test measures them in Chromium).
 */
import type { CSSProperties } from 'react';

/** The slot's name in the tile's first line. */
export const NAME_SIZE = 'clamp(16px, 9cqh, 30px)';
/** Reasons, hints, steps: the words an operator reads. */
export const TEXT_SIZE = 'clamp(12px, 5.5cqh, 22px)';
/** Lines for the engineer (ids, counters, the port). */
export const SMALL_SIZE = 'clamp(11px, 4.2cqh, 14px)';

/** At most `lines` lines; longer text ends in … and is whole behind 详情. */
export const clampLines = (lines: number): CSSProperties => ({
  display: '-webkit-box',
  WebkitLineClamp: lines,
  WebkitBoxOrient: 'vertical',
  overflow: 'hidden',
  overflowWrap: 'anywhere',
  minHeight: 0,
});

/** One line; longer text ends in …. */
export const oneLine: CSSProperties = { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', minWidth: 0 };
