import { describe, expect, it } from 'vitest';
import { Gate } from '../../main/core/util/gate.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('Gate', () => {
  it('lets at most its limit run at once, the rest in arrival order', async () => {
    const gate = new Gate(2);
    const started: number[] = [];
    const release: (() => void)[] = [];
    let peak = 0;
    let now = 0;
    const calls = [0, 1, 2, 3, 4].map((i) =>
      gate.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++now);
        await new Promise<void>((r) => release.push(r));
        now--;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(gate.waiting).toBe(3);
    release.shift()!();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    while (release.length > 0) {
      release.shift()!();
      await tick();
      await tick();
    }
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(gate.waiting).toBe(0);
  });

  it('frees the place of a call that throws', async () => {
    const gate = new Gate(1);
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(async () => 'next')).resolves.toBe('next');
    await Promise.all([gate.run(async () => 1), gate.run(async () => Promise.reject(new Error('x'))).catch(() => 0), gate.run(async () => 3)]);
    expect(gate.waiting).toBe(0);
    // Still one at a time after all that.
    let now = 0;
    let peak = 0;
    await Promise.all([1, 2, 3].map(() => gate.run(async () => { peak = Math.max(peak, ++now); await tick(); now--; })));
    expect(peak).toBe(1);
  });

  it('refuses a limit that is not a whole number ≥ 1', () => {
    expect(() => new Gate(0)).toThrow(RangeError);
    expect(() => new Gate(1.5)).toThrow(RangeError);
  });
});
