/** The mess a real unit makes on its UART, from an injected random source so tests can repeat it. */
export type Random = () => number;

export const randInt = (random: Random, lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

export const randomHex = (random: Random, n: number): string =>
  Array.from({ length: n }, () => '0123456789ABCDEF'[randInt(random, 0, 15)]).join('');

/** What a bootloader prints before the firmware speaks WXP/1. */
export const bootBanner = (fw: string): string[] => [
  '',
  'ets Jun  8 2016 00:22:57',
  'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)',
  `wmpf-demo bootloader, firmware ${fw}`,
  `# boot: wmpf-demo ${fw}`,
];

/** Random bytes (any but `\n`) ending in `\n`, so the line after it starts clean. */
export function garbageLine(random: Random): string {
  const n = randInt(random, 1, 48);
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = randInt(random, 0, 254);
    s += String.fromCharCode(b === 0x0a ? 0xff : b);
  }
  return s + '\n';
}

const LOGS = ['# wifi: scanning', '# heap free 182344', '# mqtt: reconnect in 2s', '# sensor: t=23.5C', '# flash: idle'];
export const logLine = (random: Random): string => LOGS[randInt(random, 0, LOGS.length - 1)] + '\n';

/** One line as 2 to 4 writes, cut at random points. */
export function pieces(random: Random, s: string): string[] {
  const n = Math.min(s.length, randInt(random, 2, 4));
  const cuts = new Set<number>();
  while (cuts.size < n - 1) cuts.add(randInt(random, 1, s.length - 1));
  const at = [0, ...[...cuts].sort((a, b) => a - b), s.length];
  return at.slice(1).map((end, i) => s.slice(at[i], end));
}

/** A line as a person reads it in a log: control and high bytes escaped. */
export const printable = (s: string): string =>
  s.replace(/[^\x20-\x7e]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
