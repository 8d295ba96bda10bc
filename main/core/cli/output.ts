import type { Writable } from 'node:stream';

/** One JSON document per command run, so scripts can `| jq` without guessing. */
export function printJson(out: Writable, doc: unknown): void {
  out.write(JSON.stringify(doc, null, 2) + '\n');
}

/** A plain aligned table for people. */
export function printTable(out: Writable, header: string[], rows: (string | number | null | undefined)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const width = header.map((_, i) => Math.max(...cells.map((r) => displayWidth(r[i] ?? ''))));
  for (const r of cells) out.write(r.map((c, i) => c + ' '.repeat(width[i] - displayWidth(c))).join('  ').trimEnd() + '\n');
}

/** CJK characters take two columns in a terminal. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/.test(ch) ? 2 : 1;
  return w;
}
