/**
 * Font sizes that make a word fit its tile on one line whatever the tile's size: a CSS size in
 * container units (the tile is a size container), from the word's width in em. Pure (no DOM,
 * no imports): unit-tested in test/unit/renderer-fit-text.test.ts, and the e2e test measures
 * the words in Chromium.
 */

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

/**
 * A text's width in em, rounded up for bold sans faces: CJK and full-width characters are 1em,
 * capitals 0.8em (DejaVu Sans Bold, the widest face the app meets, averages under 0.75em on
 * PASS / FAIL / EXISTING), other letters and digits 0.68em.
 */
export function emWidth(text: string, letterSpacingEm = 0): number {
  let em = 0;
  for (const ch of text) {
    if (WIDE.test(ch)) em += 1;
    else if (ch === ' ') em += 0.35;
    else if (/[A-Z]/.test(ch)) em += 0.8;
    else if (/[a-z0-9]/.test(ch)) em += 0.68;
    else em += 0.55;
    em += letterSpacingEm;
  }
  return em;
}

export interface Fit {
  /** Percent of the container's width the text may take. */
  widthPct: number;
  /** Percent of the container's height one line may take. */
  heightPct: number;
  /** Never larger than this, px (one or two slots make very large tiles). */
  maxPx: number;
  letterSpacingEm?: number;
}

/** `min(<height>cqh, <width>cqw, <max>px)`: the largest size at which `text` fits on one line. */
export function fitFontSize(text: string, f: Fit): string {
  const em = Math.max(emWidth(text, f.letterSpacingEm), 1);
  // Rounded down: the word may come out a hair smaller, never a hair too wide.
  return `min(${f.heightPct}cqh, ${Math.floor((f.widthPct / em) * 100) / 100}cqw, ${f.maxPx}px)`;
}
