import type { Writable } from 'node:stream';

const CLOSED = 'the output stream closed before everything was written';

/**
 * Resolves on 'drain'; rejects when the stream fails or closes first. A stream that errored
 * between two writes has already emitted 'error' and never emits 'drain', so waiting on
 * 'drain' alone (events.once) would hang forever.
 */
export function drained(out: Writable): Promise<void> {
  if (out.errored) return Promise.reject(out.errored);
  if (out.destroyed) return Promise.reject(new Error(CLOSED));
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
    const onClose = () => settle(out.errored ?? new Error(CLOSED));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/** Writes and, when the stream asks for it, waits for 'drain'; fails instead of hanging. */
export async function writeAll(out: Writable, chunk: string): Promise<void> {
  if (out.errored) throw out.errored;
  if (out.destroyed) throw new Error(CLOSED);
  if (!out.write(chunk)) await drained(out);
}
