import { WxError } from '../../errors/wx-error.js';

export interface ThrottleOptions {
  now?: () => number;
  /** Tries an address may make in `windowMs` before it must wait. */
  maxTries?: number;
  windowMs?: number;
  /** The first wait; it doubles with each try over the limit, up to `maxWaitMs`. */
  waitMs?: number;
  maxWaitMs?: number;
}

/** Addresses tracked at most; the oldest are forgotten past this (a flood of addresses cannot grow the map without bound). */
const MAX_ADDRESSES = 10_000;

/**
 * Wrong dashboard passwords, limited per client address: after `maxTries` tries within the
 * window, every try is refused (FLEET_LOGIN_THROTTLED, the seconds left) until a wait has
 * passed, which doubles with each further try. A try is counted when it starts, before the
 * password is checked (scrypt takes a while): a burst of parallel guesses is limited like a
 * sequence. A right password clears its address. Kept in memory: a restart forgets it, and
 * the scrypt cost still stands in the way.
 */
export class LoginThrottle {
  private readonly tries = new Map<string, number[]>();
  private readonly now: () => number;
  private readonly o: Required<Omit<ThrottleOptions, 'now'>>;

  constructor(o: ThrottleOptions = {}) {
    this.now = o.now ?? Date.now;
    this.o = { maxTries: o.maxTries ?? 5, windowMs: o.windowMs ?? 15 * 60_000, waitMs: o.waitMs ?? 60_000, maxWaitMs: o.maxWaitMs ?? 15 * 60_000 };
  }

  /** Counts a try from `address`, or refuses it while the address must wait. */
  begin(address: string): void {
    const now = this.now();
    const recent = (this.tries.get(address) ?? []).filter((t) => now - t < this.o.windowMs);
    const over = recent.length - this.o.maxTries;
    if (over >= 0) {
      const wait = Math.min(this.o.waitMs * 2 ** over, this.o.maxWaitMs);
      const until = recent[recent.length - 1] + wait;
      if (now < until) {
        this.tries.set(address, recent);
        throw new WxError('FLEET_LOGIN_THROTTLED', { seconds: Math.ceil((until - now) / 1000) });
      }
    }
    recent.push(now);
    this.tries.delete(address);
    this.tries.set(address, recent);
    if (this.tries.size > MAX_ADDRESSES) this.tries.delete(this.tries.keys().next().value!);
  }

  /** The right password: this address starts afresh. */
  succeeded(address: string): void {
    this.tries.delete(address);
  }
}
