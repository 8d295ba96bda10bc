import { MAX_LINE } from './frame.js';

/** 8N1: a start bit, 8 data bits and a stop bit carry one byte. */
export const UART_BITS_PER_BYTE = 10;

/**
 * How long one slot waits for its unit, per slot (PROTOCOL.md, "Timing"). An answer's
 * timeout is what the request and the longest answer its verb can have take on the wire at
 * the slot's baud rate, plus the unit's processing allowance (COMMIT: the commit allowance,
 * since writing flash is slow). A fixed timeout would be too short at 1200 baud — a READ
 * answer alone takes over two seconds there — and needlessly long at 115200.
 */
export interface LinkTiming {
  baud: number;
  /** What the unit may take to act on a request and start answering (not counting the wire). */
  allowanceMs: number;
  /** What the unit may take to COMMIT (write its flash), on top of the wire time. */
  commitMs: number;
  /** Tries per exchange: a bad CRC or silence is tried again. */
  tries: number;
  /** The push test waits this long for EVENT PUSH. */
  pushMs: number;
}

export const DEFAULT_LINK_TIMING: LinkTiming = { baud: 115200, allowanceMs: 500, commitMs: 3000, tries: 3, pushMs: 15000 };

/**
 * The longest answer each verb can have, in bytes with its `\n`. HELLO carries fw and hwid
 * (WXP/1 gives neither a limit beyond the line's, so a generous 256); READ can fill a whole
 * line; TOKEN carries a push token (up to 512 characters, as the platform reserves); the rest
 * are a verb, a code and a short msg.
 */
export const ANSWER_BUDGET: Readonly<Record<string, number>> = {
  HELLO: 256,
  READ: MAX_LINE,
  TOKEN: 600,
};
const OTHER_ANSWER = 128;

/** Milliseconds `bytes` take on the wire at `baud`. */
export const wireMs = (bytes: number, baud: number): number => (bytes * UART_BITS_PER_BYTE * 1000) / baud;

/** The timeout for one exchange: request and longest answer on the wire, plus the unit's allowance. */
export function answerTimeoutMs(verb: string, requestBytes: number, t: Pick<LinkTiming, 'baud' | 'allowanceMs' | 'commitMs'>): number {
  const allowance = verb === 'COMMIT' ? t.commitMs : t.allowanceMs;
  return Math.ceil(wireMs(requestBytes + (ANSWER_BUDGET[verb] ?? OTHER_ANSWER), t.baud) + allowance);
}

/** Checks a slot's timing settings; the message names the field and what is allowed. */
export function timingProblem(t: Partial<LinkTiming>): { field: string; allowed: string } | undefined {
  const whole = (v: number | undefined, lo: number, hi: number) => v === undefined || (Number.isSafeInteger(v) && v >= lo && v <= hi);
  if (!whole(t.baud, 300, 4_000_000)) return { field: 'baud', allowed: 'a whole number 300-4000000' };
  if (!whole(t.allowanceMs, 10, 60_000)) return { field: 'allowance_ms', allowed: 'a whole number of milliseconds 10-60000' };
  if (!whole(t.commitMs, 10, 600_000)) return { field: 'commit_ms', allowed: 'a whole number of milliseconds 10-600000' };
  if (!whole(t.tries, 1, 10)) return { field: 'tries', allowed: 'a whole number 1-10' };
  return undefined;
}
