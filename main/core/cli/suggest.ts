/**
 * Edits between two words: insert, delete, replace, or swap two neighbours (optimal string
 * alignment). The swap counts as one because it is the commonest slip: "prodcut", "sing".
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The word a typo most likely meant: the only candidate it begins (`dev` → devices), else the
 * nearest within a third of its length (at least one edit). None when nothing is that close,
 * so a suggestion is never a guess across the whole command list.
 */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  const starts = candidates.filter((c) => c.startsWith(word));
  if (word.length >= 2 && starts.length === 1) return starts[0];
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d <= limit && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}
