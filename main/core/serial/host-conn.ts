import { WxError } from '../errors/wx-error.js';
import { encodeFrame, field, parseLine, type Frame } from './frame.js';
import { LineSplitter } from './line-splitter.js';
import type { Link } from './link.js';
import { answerTimeoutMs, DEFAULT_LINK_TIMING, type LinkTiming } from './timing.js';

export interface Diagnostics {
  /** Lines that were neither frames nor `#` logs (boot banners, garbage). */
  noise: number;
  badcrc: number;
  logs: number;
  overlong: number;
}

export interface Answer {
  ok: boolean;
  frame: Frame;
  /** ERR's code=, e.g. LOCKED, DENIED, BADCRC. */
  code?: string;
  msg?: string;
}

export interface RequestOptions {
  /** The step this exchange belongs to, for the failure message. */
  step: string;
  /** Default: from the link's timing (wire time of request and longest answer, plus the allowance). */
  timeoutMs?: number;
  /** Default: the link's timing. */
  tries?: number;
  /** Ends the exchange at once with LINE_STOPPED (the answer, if one comes, is ignored). */
  signal?: AbortSignal;
}

/**
 * The host end of WXP/1 on one link: sends a request, waits for exactly its answer
 * (`OK <VERB>` / `ERR <VERB>`), and treats everything else for what it is: `#` lines are
 * device logs, `EVENT` frames go to listeners, anything else is counted as noise. A bad
 * CRC, a device's `ERR ... code=BADCRC` or silence is a failed exchange, tried again.
 */
export class HostConn {
  readonly diagnostics: Diagnostics = { noise: 0, badcrc: 0, logs: 0, overlong: 0 };
  private waiter?: (p: ReturnType<typeof parseLine>) => void;
  private closedErr?: Error;
  private readonly events = new Set<(f: Frame) => void>();
  private readonly logs = new Set<(text: string) => void>();
  private readonly closeWaiters = new Set<(e: Error) => void>();
  private readonly unsubs: (() => void)[] = [];

  constructor(
    readonly link: Link,
    readonly timing: LinkTiming = DEFAULT_LINK_TIMING,
  ) {
    const splitter = new LineSplitter(
      (line) => this.onLine(line),
      () => this.diagnostics.overlong++,
    );
    this.unsubs.push(link.onData((c) => splitter.push(c)));
    this.unsubs.push(
      link.onClose((err) => {
        this.closedErr = err ?? new WxError('PORT_VANISHED', { port: link.path });
        for (const w of this.closeWaiters) w(this.closedErr);
      }),
    );
  }

  get closed(): boolean {
    return this.closedErr !== undefined;
  }

  onEvent(cb: (f: Frame) => void): () => void {
    this.events.add(cb);
    return () => void this.events.delete(cb);
  }

  onLog(cb: (text: string) => void): () => void {
    this.logs.add(cb);
    return () => void this.logs.delete(cb);
  }

  private onLine(line: string): void {
    const p = parseLine(line);
    if (p.kind === 'log') {
      this.diagnostics.logs++;
      for (const cb of this.logs) cb(p.text);
      return;
    }
    if (p.kind === 'noise') {
      if (line.trim() !== '') this.diagnostics.noise++;
      return;
    }
    if (p.kind === 'badcrc') this.diagnostics.badcrc++;
    if (p.kind === 'frame' && p.frame.verb === 'EVENT') {
      for (const cb of this.events) cb(p.frame);
      return;
    }
    this.waiter?.(p);
  }

  /** One exchange, tried up to `tries` times; throws a WxError naming the step when it cannot complete. */
  async request(verb: string, fields: Record<string, string | number> = {}, o: RequestOptions): Promise<Answer> {
    const line = encodeFrame(verb, fields) + '\n';
    const tries = o.tries ?? this.timing.tries;
    const timeoutMs = o.timeoutMs ?? answerTimeoutMs(verb, line.length, this.timing);
    let badcrc = 0;
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (this.closedErr) throw this.closedErr;
      if (o.signal?.aborted) throw new WxError('LINE_STOPPED');
      const outcome = await this.once(verb, line, timeoutMs, o.signal);
      if (outcome === 'timeout') continue;
      if (outcome === 'badcrc') {
        badcrc++;
        continue;
      }
      if (!outcome.ok && outcome.code === 'BADCRC') {
        badcrc++; // our request reached it corrupted
        continue;
      }
      return outcome;
    }
    if (badcrc > 0) throw new WxError('DEVICE_BAD_CRC', { step: o.step, tries });
    throw new WxError('DEVICE_NO_ANSWER', { step: o.step, tries });
  }

  private once(verb: string, line: string, timeoutMs: number, signal?: AbortSignal): Promise<Answer | 'timeout' | 'badcrc'> {
    return new Promise((resolve, reject) => {
      const done = (v: Answer | 'timeout' | 'badcrc' | Error) => {
        clearTimeout(timer);
        this.waiter = undefined;
        this.closeWaiters.delete(onClose);
        signal?.removeEventListener('abort', onAbort);
        if (v instanceof Error) reject(v);
        else resolve(v);
      };
      const onClose = (e: Error) => done(e);
      const onAbort = () => done(new WxError('LINE_STOPPED'));
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      this.closeWaiters.add(onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = (p) => {
        // Only a corrupted *answer* fails the exchange: the tail of a boot line cut off when
        // the port was opened (serialport flushes the tty) can look like a bad frame too.
        if (p.kind === 'badcrc') return p.verb === 'OK' || p.verb === 'ERR' ? done('badcrc') : undefined;
        if (p.kind !== 'frame') return;
        const f = p.frame;
        // Only the answer to this request; a late answer to an earlier one is ignored.
        if ((f.verb === 'OK' || f.verb === 'ERR') && f.subject === verb) {
          done({ ok: f.verb === 'OK', frame: f, code: field(f, 'code'), msg: field(f, 'msg') });
        }
      };
      this.link.write(line).catch((e) => done(e instanceof WxError ? e : new WxError('PORT_VANISHED', { port: this.link.path }, { cause: e })));
    });
  }

  dispose(): void {
    for (const u of this.unsubs) u();
  }
}
