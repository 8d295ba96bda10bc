import type { Writable } from 'node:stream';

/**
 * Writes and, when the stream asks for it, waits for 'drain'. Rejects if the stream fails or
 * closes first: a stream that errored never emits 'drain', and waiting on it would hang.
 */
export function writeAll(out: Writable, chunk: string): Promise<void> {
  if (out.errored) return Promise.reject(out.errored);
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (err?: Error | null) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (e: Error) => settle(e);
    const onClose = () => settle(out.errored ?? new Error('the output stream closed before everything was written'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
