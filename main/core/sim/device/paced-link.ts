import type { Link } from '../../serial/link.js';

/** A UART frame per byte at 8N1: start bit, 8 data bits, stop bit. */
export const BITS_PER_BYTE = 10;

/**
 * Until performance.now() reaches `at`, and hardly longer: a timer takes it to within a
 * millisecond or two (timers fire late, or early: the event loop's clock is coarse), and the
 * rest is spent yielding to the event loop, so the pace is the UART's to a fraction of a ms.
 */
async function sleepUntil(at: number): Promise<void> {
  const left = at - performance.now();
  if (left > 2) await new Promise((resolve) => setTimeout(resolve, Math.floor(left) - 1));
  while (performance.now() < at) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A link that moves bytes no faster than a UART at `baud` (10 bits a byte), both ways: a
 * write lands on the far end when its last byte would have, after whatever is still being
 * sent; what arrives is handed on when its last byte would have been received. A
 * pseudo-terminal has no speed of its own, so this is what gives a simulated unit a real
 * lower bound. Timers only ever make it later, never earlier.
 */
export function pacedLink(link: Link, baud: number): Link {
  if (!Number.isFinite(baud) || baud <= 0) throw new Error(`baud ${baud} must be a positive number`);
  const msPerByte = (BITS_PER_BYTE * 1000) / baud;
  let txFree = 0;
  return {
    path: link.path,
    async write(data) {
      txFree = Math.max(performance.now(), txFree) + Buffer.byteLength(data, 'latin1') * msPerByte;
      await sleepUntil(txFree);
      await link.write(data);
    },
    onData(cb) {
      let rxFree = 0;
      let chain = Promise.resolve();
      let off = false;
      const unsub = link.onData((chunk) => {
        const at = (rxFree = Math.max(performance.now(), rxFree) + chunk.length * msPerByte);
        chain = chain
          .then(() => sleepUntil(at))
          .then(() => {
            if (!off) cb(chunk);
          })
          // A listener that throws surfaces as it would on an unpaced link, and later chunks still arrive.
          .catch((e: unknown) => {
            setImmediate(() => {
              throw e;
            });
          });
      });
      return () => {
        off = true;
        unsub();
      };
    },
    onClose: (cb) => link.onClose(cb),
    close: () => link.close(),
  };
}
