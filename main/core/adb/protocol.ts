import type net from 'node:net';

/**
 * The ADB server's host ("smart socket") protocol, both directions: a request is its length as
 * 4 lower-case hex digits and the payload; an answer starts `OKAY`, or `FAIL` with a
 * length-prefixed message. Shared by the client and the simulated server.
 */

/** Payloads longer than this cannot be framed (4 hex digits); adb itself refuses them. */
export const MAX_PAYLOAD = 0xffff;

export function encodeLength(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAYLOAD) throw new RangeError(`adb payload length ${n} out of range`);
  return n.toString(16).padStart(4, '0');
}

/** A request or a length-prefixed reply: `000chost:version`. */
export function encodeFrame(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([Buffer.from(encodeLength(body.length), 'ascii'), body]);
}

export const okay = (): Buffer => Buffer.from('OKAY', 'ascii');
export const fail = (message: string): Buffer => Buffer.concat([Buffer.from('FAIL', 'ascii'), encodeFrame(message)]);

/** 4 hex digits → a length; anything else means the peer is not speaking adb. */
export function decodeLength(hex: Buffer | string): number {
  const s = typeof hex === 'string' ? hex : hex.toString('latin1');
  if (!/^[0-9a-fA-F]{4}$/.test(s)) throw new AdbProtocolError(`bad length prefix ${JSON.stringify(s)}`);
  return parseInt(s, 16);
}

/** The server answered, but not in the protocol (another program on the port, a cut reply). */
export class AdbProtocolError extends Error {
  override name = 'AdbProtocolError';
}

/**
 * The server (or the device behind it) refused the request with `FAIL <message>`. `stage` says
 * which request of a device service was refused: the switch to the device (`transport`: not
 * there, not ready) or the service itself (`service`: nothing listening on the device).
 */
export class AdbFailError extends Error {
  override name = 'AdbFailError';
  constructor(
    readonly reply: string,
    readonly stage?: 'transport' | 'service',
  ) {
    super(stage ? `${stage}: ${reply}` : reply);
  }
}

/**
 * Reads whole pieces (n bytes, a frame, the rest) from a socket that delivers them in any
 * chunking. `release()` hands the socket back, paused, with whatever arrived past the last
 * piece put back in front of its stream, so a service's raw bytes are never lost.
 */
export class SocketReader {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private failure?: Error;
  private wake?: () => void;
  private readonly onData = (c: Buffer) => {
    this.buf = this.buf.length ? Buffer.concat([this.buf, c]) : c;
    this.poke();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.poke();
  };
  private readonly onError = (e: Error) => {
    this.failure ??= e;
    this.poke();
  };

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  private poke() {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async waitFor(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.failure) throw this.failure;
      if (this.ended) throw new AdbProtocolError('connection closed in the middle of an answer');
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  async read(n: number): Promise<Buffer> {
    await this.waitFor(() => this.buf.length >= n);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** A 4-hex-length-prefixed piece. */
  async readFrame(): Promise<Buffer> {
    return this.read(decodeLength(await this.read(4)));
  }

  /** `OKAY` → resolves; `FAIL` → AdbFailError with the message; anything else → AdbProtocolError. */
  async readStatus(): Promise<void> {
    const s = (await this.read(4)).toString('latin1');
    if (s === 'OKAY') return;
    if (s === 'FAIL') throw new AdbFailError((await this.readFrame()).toString('utf8'));
    throw new AdbProtocolError(`expected OKAY or FAIL, got ${JSON.stringify(s)}`);
  }

  /** Everything until the peer closes (a legacy `shell:` answer). */
  async readToEnd(): Promise<Buffer> {
    await this.waitFor(() => false).catch((e) => {
      if (!(e instanceof AdbProtocolError) || !this.ended) throw e;
    });
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
  }

  /** Until the next frame or the end: null when the peer closed cleanly between frames. */
  async readFrameOrEnd(): Promise<Buffer | null> {
    try {
      await this.waitFor(() => this.buf.length >= 4);
    } catch (e) {
      if (e instanceof AdbProtocolError && this.ended && this.buf.length === 0) return null;
      throw e;
    }
    return this.readFrame();
  }

  release(): net.Socket {
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    if (this.buf.length) this.socket.unshift(this.buf);
    this.buf = Buffer.alloc(0);
    return this.socket;
  }
}
