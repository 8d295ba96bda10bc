import { MAX_LINE } from './frame.js';

/**
 * Bytes in, lines out. Tolerates partial lines across chunks, CRLF, and garbage: a line
 * longer than MAX_LINE is cut off and reported as overlong, and everything up to the next
 * `\n` is dropped, so a device spewing binary never grows the buffer without bound.
 */
export class LineSplitter {
  private buf = '';
  private discarding = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOverlong: (prefix: string) => void = () => {},
  ) {}

  push(chunk: Uint8Array | string): void {
    let s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    while (s.length > 0) {
      const nl = s.indexOf('\n');
      const part = nl < 0 ? s : s.slice(0, nl);
      s = nl < 0 ? '' : s.slice(nl + 1);
      if (!this.discarding) {
        this.buf += part;
        if (this.buf.length > MAX_LINE) {
          this.onOverlong(this.buf.slice(0, 64));
          this.buf = '';
          this.discarding = true;
        }
      }
      if (nl >= 0) {
        if (!this.discarding) this.onLine(this.buf.endsWith('\r') ? this.buf.slice(0, -1) : this.buf);
        this.buf = '';
        this.discarding = false;
      }
    }
  }
}
