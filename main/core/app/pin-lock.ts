import crypto from 'node:crypto';
import { WxError } from '../errors/wx-error.js';
import type { KeyValueStore } from './kv.js';

/** What the store keeps of the PIN: a scrypt hash and its salt, never the PIN. */
interface PinRecord {
  v: 1;
  salt: string;
  hash: string;
  N: number;
}

export const PIN_KEY = 'lock_pin';
export const MAX_TRIES = 5;
export const WAIT_MS = 30_000;
/** Engineer mode locks itself after this long without engineer work, unless set otherwise. */
export const DEFAULT_IDLE_MIN = 10;
const SCRYPT_N = 1 << 14;

const hashPin = (pin: string, salt: Buffer, N: number): Buffer => crypto.scryptSync(pin, salt, 32, { N, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });

function readRecord(kv: KeyValueStore): PinRecord | undefined {
  const v = kv.get(PIN_KEY) as Partial<PinRecord> | undefined;
  if (!v || typeof v !== 'object' || typeof v.salt !== 'string' || typeof v.hash !== 'string' || typeof v.N !== 'number') return undefined;
  return v as PinRecord;
}

/**
 * The operator lock: the setup screens stay closed until the engineer's PIN is given. The
 * PIN is kept as scrypt(salt) and compared in constant time; after MAX_TRIES wrong PINs in a
 * row every try is refused for WAIT_MS. The app starts locked whenever a PIN is set, and
 * engineer mode locks itself after `idleMs()` without engineer work (`touch`): an engineer
 * who walks away does not leave setup open to the line. Time is the injected clock's, and the
 * rule is applied on every look at the lock, so no caller can see it open once it is due.
 */
export class PinLock {
  private failures = 0;
  private waitUntil = 0;
  private lockedNow: boolean;
  private lastActive: number;
  /** Called once each time the idle rule locks (the app tells the UI). */
  onIdleLock?: () => void;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly now: () => number = Date.now,
    private readonly idleMs: () => number = () => DEFAULT_IDLE_MIN * 60_000,
  ) {
    this.lockedNow = this.hasPin;
    this.lastActive = now();
  }

  get hasPin(): boolean {
    return readRecord(this.kv) !== undefined;
  }

  get locked(): boolean {
    this.expire();
    return this.lockedNow;
  }

  /** Refuses with APP_LOCKED while locked. */
  assertUnlocked(): void {
    if (this.locked) throw new WxError('APP_LOCKED');
  }

  /** Engineer work now: the idle time starts again, unless it already ran out (then it stays locked). */
  touch(): void {
    if (!this.locked) this.lastActive = this.now();
  }

  /** Locks when engineer mode has been idle for too long; says whether it locked just now. */
  expire(): boolean {
    if (this.lockedNow || this.now() - this.lastActive < this.idleMs() || !this.hasPin) return false;
    this.lockedNow = true;
    this.onIdleLock?.();
    return true;
  }

  /** A new PIN; the current one is needed when one is set. */
  setPin(pin: string, currentPin?: string): void {
    if (this.hasPin) this.check(currentPin ?? '');
    const salt = crypto.randomBytes(16);
    const rec: PinRecord = { v: 1, salt: salt.toString('base64'), hash: hashPin(pin, salt, SCRYPT_N).toString('base64'), N: SCRYPT_N };
    this.kv.set(PIN_KEY, rec);
    // The first PIN finds engineer mode open: its idle time starts now, not when the app did.
    this.lastActive = this.now();
  }

  lock(): void {
    if (!this.hasPin) throw new WxError('LOCK_NO_PIN');
    this.lockedNow = true;
  }

  unlock(pin: string): void {
    if (!this.hasPin) {
      this.lockedNow = false;
      return;
    }
    this.check(pin);
    this.lockedNow = false;
    this.lastActive = this.now();
  }

  private check(pin: string): void {
    const rec = readRecord(this.kv);
    if (!rec) return;
    const now = this.now();
    if (now < this.waitUntil) throw new WxError('LOCK_TOO_MANY_TRIES', { seconds: Math.ceil((this.waitUntil - now) / 1000) });
    const want = Buffer.from(rec.hash, 'base64');
    const got = hashPin(pin, Buffer.from(rec.salt, 'base64'), rec.N);
    if (want.length === got.length && crypto.timingSafeEqual(want, got)) {
      this.failures = 0;
      return;
    }
    this.failures++;
    if (this.failures >= MAX_TRIES) {
      this.failures = 0;
      this.waitUntil = now + WAIT_MS;
      throw new WxError('LOCK_TOO_MANY_TRIES', { seconds: Math.ceil(WAIT_MS / 1000) });
    }
    throw new WxError('LOCK_PIN_WRONG', { tries_left: MAX_TRIES - this.failures });
  }
}
