import type { KeyObject } from 'node:crypto';
import { signDeviceId } from '../main/core/keys/ecdsa.js';
import { ratePerSecond } from './timing.js';

/**
 * In-process signatures per second: the whole signDeviceId (message bytes, SHA-256, ECDSA,
 * DER, base64), one thread, distinct ids.
 */
export function inProcessSignRate(key: KeyObject, productId: number, seconds: number): { rate: number; calls: number } {
  const ids = Array.from({ length: 1024 }, (_, i) => `SN${String(i).padStart(10, '0')}`);
  let sink = 0;
  ratePerSecond(Math.min(0.3, seconds / 10), (i) => (sink += signDeviceId(key, productId, ids[i & 1023]).length)); // warm-up
  const r = ratePerSecond(seconds, (i) => (sink += signDeviceId(key, productId, ids[i & 1023]).length));
  if (sink === 0) throw new Error('signatures came back empty');
  return { rate: r.rate, calls: r.calls };
}
