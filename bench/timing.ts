/** Monotonic seconds. */
export const nowS = (): number => Number(process.hrtime.bigint()) / 1e9;

/**
 * Calls fn(i) repeatedly for about `seconds` and returns calls per second. The clock is read
 * every `batch` calls so reading it costs nothing measurable.
 */
export function ratePerSecond(seconds: number, fn: (i: number) => void, batch = 64): { rate: number; calls: number; elapsed: number } {
  const start = nowS();
  const end = start + seconds;
  let calls = 0;
  let t = start;
  while (t < end) {
    for (let k = 0; k < batch; k++) fn(calls++);
    t = nowS();
  }
  const elapsed = t - start;
  return { rate: calls / elapsed, calls, elapsed };
}
