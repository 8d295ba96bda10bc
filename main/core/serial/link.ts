import type { Readable, Writable } from 'node:stream';

/**
 * A byte pipe to one unit: a real serial port, a pseudo-terminal, or an in-memory pair in
 * tests. The state machine only ever sees this, so every fault can be driven without hardware.
 */
export interface Link {
  readonly path: string;
  write(data: string): Promise<void>;
  /** Returns an unsubscribe function. */
  onData(cb: (chunk: Buffer) => void): () => void;
  /** Fires once when the link goes away (unplugged adapter, closed pty); err says why. */
  onClose(cb: (err?: Error) => void): () => void;
  close(): Promise<void>;
}

/** A Link over a readable and a writable stream (socat's stdio, a PassThrough pair). */
export function streamLink(path: string, input: Readable, output: Writable): Link {
  const closeCbs = new Set<(err?: Error) => void>();
  let closed = false;
  const fireClose = (err?: Error) => {
    if (closed) return;
    closed = true;
    for (const cb of closeCbs) cb(err);
  };
  input.on('end', () => fireClose());
  input.on('close', () => fireClose());
  input.on('error', (e) => fireClose(e));
  output.on('error', (e) => fireClose(e));
  return {
    path,
    write: (data) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(new Error('link closed'));
        output.write(data, 'latin1', (err) => (err ? reject(err) : resolve()));
      }),
    onData(cb) {
      input.on('data', cb);
      return () => void input.off('data', cb);
    },
    onClose(cb) {
      closeCbs.add(cb);
      return () => void closeCbs.delete(cb);
    },
    async close() {
      fireClose();
      input.destroy();
      output.end();
    },
  };
}
