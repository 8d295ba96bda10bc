import { describe, expect, it } from 'vitest';
import { ScannerBurst, type KeyVerdict } from '../../renderer/src/util/scanner-burst.js';

/** Keys at the given times; what the detector says of each. */
function feed(keys: [string, number][], d = new ScannerBurst()): KeyVerdict[] {
  return keys.map(([k, at]) => d.key(k, at));
}
const typed = (text: string, start: number, gap: number): [string, number][] => [...text].map((c, i) => [c === '\n' ? 'Enter' : c, start + i * gap]);

describe('ScannerBurst', () => {
  it('lets a person type a PIN and press Enter, even quickly', () => {
    expect(feed(typed('2468\n', 1000, 90))).toEqual(['type', 'type', 'type', 'type', 'enter']);
    // Two keys rolled over (12 ms apart) are still a person.
    expect(feed([['2', 0], ['4', 12], ['6', 150], ['8', 162], ['Enter', 400]])).toEqual(['type', 'type', 'type', 'type', 'enter']);
  });

  it('calls a scanner’s barcode and its Enter a burst from the 4th fast key on', () => {
    const v = feed(typed('6901234567892\n', 1000, 3));
    expect(v.slice(0, 3)).toEqual(['type', 'type', 'type']);
    expect(v.slice(3)).toEqual(Array(11).fill('burst'));
  });

  it('catches a short scan whose Enter is its 4th key, and lets the person type again after a pause', () => {
    const d = new ScannerBurst();
    expect(feed(typed('123\n', 0, 5), d)).toEqual(['type', 'type', 'type', 'burst']);
    expect(feed(typed('2468\n', 500, 100), d)).toEqual(['type', 'type', 'type', 'type', 'enter']);
  });

  it('treats exactly 30 ms apart as a person', () => {
    expect(feed(typed('1234\n', 0, 30))).toEqual(['type', 'type', 'type', 'type', 'enter']);
    expect(feed(typed('1234\n', 0, 29))).toEqual(['type', 'type', 'type', 'burst', 'burst']);
  });
});
