import net from 'node:net';
import type { SimAdbDevice } from './world.js';

export const WXP_AGENT = 'localabstract:wmpf-wxp';

/**
 * The device end of a stream to `service`: a connection to the device's simulated unit for the
 * agent's socket; null when nothing listens there (no unit, the unit refused), as adbd's
 * CLSE, which adb passes on as FAIL "closed".
 */
export function connectService(dev: SimAdbDevice, service: string): Promise<net.Socket | null> {
  if (service !== WXP_AGENT || !dev.unit) return Promise.resolve(null);
  const unit = dev.unit;
  return new Promise((resolve) => {
    const up = net.connect({ host: unit.host, port: unit.port, noDelay: true });
    up.once('error', () => resolve(null));
    up.once('connect', () => {
      up.removeAllListeners('error');
      resolve(up);
    });
  });
}

/** Bytes both ways until either side goes; the device dropping cuts both. */
export function splice(dev: SimAdbDevice, a: net.Socket, b: net.Socket): void {
  for (const s of [a, b]) {
    dev.streams.add(s);
    s.on('error', () => {});
    s.on('close', () => {
      dev.streams.delete(s);
      a.destroy();
      b.destroy();
    });
  }
  a.pipe(b);
  b.pipe(a);
}
