import { WxError } from '../errors/wx-error.js';
import type { Link } from './link.js';

/**
 * A serial port inside this process: simulated units on every OS with nothing installed (a
 * pseudo-terminal needs socat, which Windows has not). The unit's end lives as long as the
 * port, as a unit stays powered on its fixture; the station's end is opened and closed like a
 * real port, by one holder at a time (PORT_BUSY), so a stopped and restarted line finds the
 * same unit. Bytes the unit sends while nobody holds the port are lost, as on a UART nobody
 * listens to.
 */
export interface MemoryPort {
  readonly path: string;
  /** The unit's end. */
  readonly unit: Link;
  /** The station's end, as opening a serial port gives it. */
  open(): Promise<Link>;
  /** The port goes for good: both ends close (the holder hears PORT_VANISHED), later opens are PORT_NOT_FOUND. */
  close(): Promise<void>;
}

class End implements Link {
  private readonly dataCbs = new Set<(chunk: Buffer) => void>();
  private readonly closeCbs = new Set<(err?: Error) => void>();
  private ended = false;

  constructor(
    readonly path: string,
    private readonly peer: () => End | undefined,
    private readonly onEnded: (self: End) => void,
  ) {}

  get closed(): boolean {
    return this.ended;
  }

  write(data: string): Promise<void> {
    if (this.ended) return Promise.reject(new WxError('PORT_VANISHED', { port: this.path }));
    const to = this.peer();
    // On a later turn, in order: a reader never runs inside the writer's call, as with a real port.
    if (to) {
      const chunk = Buffer.from(data, 'latin1');
      setImmediate(() => to.deliver(chunk));
    }
    return Promise.resolve();
  }

  deliver(chunk: Buffer): void {
    if (this.ended) return;
    for (const cb of [...this.dataCbs]) cb(chunk);
  }

  onData(cb: (chunk: Buffer) => void): () => void {
    this.dataCbs.add(cb);
    return () => void this.dataCbs.delete(cb);
  }

  onClose(cb: (err?: Error) => void): () => void {
    this.closeCbs.add(cb);
    return () => void this.closeCbs.delete(cb);
  }

  async close(): Promise<void> {
    this.end();
  }

  end(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnded(this);
    for (const cb of [...this.closeCbs]) cb(err);
  }
}

export function memoryPort(path: string): MemoryPort {
  let holder: End | undefined;
  let gone = false;
  const unit = new End(
    path,
    () => holder,
    () => {},
  );
  return {
    path,
    unit,
    async open() {
      if (gone) throw new WxError('PORT_NOT_FOUND', { port: path });
      if (holder) throw new WxError('PORT_BUSY', { port: path });
      holder = new End(
        path,
        () => (unit.closed ? undefined : unit),
        (self) => {
          if (holder === self) holder = undefined;
        },
      );
      return holder;
    },
    async close() {
      gone = true;
      holder?.end(new WxError('PORT_VANISHED', { port: path }));
      unit.end();
    },
  };
}
