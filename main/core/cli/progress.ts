import type { Writable } from 'node:stream';

/**
 * A progress bar on stderr for long jobs. On a terminal it redraws one line; in a log (CI,
 * a pipe) it prints a line per 10% so the log stays readable. Small jobs print nothing.
 */
export function progressBar(err: Writable & { isTTY?: boolean }, label: string, minTotal = 1000) {
  let lastDecile = -1;
  let drawn = false;
  return {
    update(done: number, total: number) {
      if (total < minTotal) return;
      const pct = Math.min(100, Math.floor((done / total) * 100));
      if (err.isTTY) {
        const width = 30;
        const fill = Math.round((pct / 100) * width);
        err.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(pct).padStart(3)}% ${done}/${total}`);
        drawn = true;
      } else if (Math.floor(pct / 10) > lastDecile) {
        lastDecile = Math.floor(pct / 10);
        err.write(`${label} ${pct}% ${done}/${total}\n`);
      }
    },
    end() {
      if (drawn) err.write('\n');
    },
  };
}
