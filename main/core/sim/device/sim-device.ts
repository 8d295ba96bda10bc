import { encodeFrame, FrameError, parseLine, type Frame } from '../../serial/frame.js';
import { LineSplitter } from '../../serial/line-splitter.js';
import type { Link } from '../../serial/link.js';
import { checkWrite, identityFields } from './identity.js';
import { bootBanner, garbageLine, logLine, pieces, printable, randInt, randomHex, type Random } from './noise.js';
import { pacedLink } from './paced-link.js';
import { memoryStore, type DeviceRecord, type DeviceStore } from './store.js';
import { DEVICE_FAULTS, PRELOCKED_IDENTITY, type DeviceFault, type DeviceState, type Identity, type PushHook } from './types.js';

export interface SimDeviceOptions {
  /** Hardware id; default: the one in the store, else 12 random upper-case hex digits (then stored). */
  hwid?: string;
  /** Firmware version reported by HELLO. */
  fw?: string;
  fault?: DeviceFault;
  /** How long COMMIT takes (writing flash); 30 ms by default. */
  commitMs?: number;
  /** Non-volatile storage; in memory by default. */
  store?: DeviceStore;
  /** The platform as the unit sees it, for TOKEN and EVENT PUSH; without it TOKEN answers NOTREADY. */
  push?: PushHook;
  /** One line per request, answer and notable event (`> ` in, `< ` out, `! ` trouble, `. ` notes). */
  log?: (line: string) => void;
  /** Math.random by default: hwid, push tokens and noise come from it. */
  random?: Random;
  /** Date.now by default: push token expiry. */
  now?: () => number;
  /** The UART's speed: what the unit sends and reads is paced at 10 bits a byte. Unpaced by default (a pty has no speed). */
  baud?: number;
  /** Told after each answer is queued, with the state it leaves the unit in (a fixture uses it to know when the station is done). */
  onAnswer?: (subject: string, ok: boolean, state: DeviceState) => void;
}

export const DEFAULT_FW = '1.4.2-sim';
const TOKEN_TTL_SEC = 7200;
const VALUE_RE = /^[\x21-\x29\x2b-\x7e]+$/;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A WXP/1 unit on the far end of a Link, behaving as PROTOCOL.md says firmware must (and,
 * with a fault, as broken or production firmware does). Requests are handled one at a time
 * in arrival order, like a single-threaded firmware loop; a slow COMMIT delays what follows.
 */
export class SimDevice {
  private readonly random: Random;
  private readonly now: () => number;
  private readonly store: DeviceStore;
  private readonly fault?: DeviceFault;
  private readonly fw: string;
  private hwidValue?: string;
  private committed?: Identity;
  private staged?: Identity;
  private token?: { token: string; expire: number };
  /** Says nothing and hears nothing: `silent`, or `pull` after WRITE. */
  private muted = false;
  private pulled = false;
  private answers = 0;
  /** HELLOs answered while locked, for `lossy`. */
  private lockedHellos = 0;
  private corruptNext = false;
  /** Bumped by reset(): work begun before a reset must not finish after it. */
  private generation = 0;
  private started = false;
  private stopped = false;
  private work: Promise<void> = Promise.resolve();
  private writes: Promise<void> = Promise.resolve();
  private readonly unsubs: (() => void)[] = [];
  /** The link as the unit's UART drives it: paced when a baud rate is given. */
  private readonly io: Link;

  constructor(
    readonly link: Link,
    private readonly opts: SimDeviceOptions = {},
  ) {
    if (opts.fault !== undefined && !DEVICE_FAULTS.includes(opts.fault)) throw new Error(`unknown fault ${JSON.stringify(opts.fault)}: one of ${DEVICE_FAULTS.join(', ')}`);
    if (opts.hwid !== undefined && !VALUE_RE.test(opts.hwid)) throw new Error(`hwid ${JSON.stringify(opts.hwid)} must be printable ASCII without spaces or *`);
    if (opts.fw !== undefined && !VALUE_RE.test(opts.fw)) throw new Error(`fw ${JSON.stringify(opts.fw)} must be printable ASCII without spaces or *`);
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.store = opts.store ?? memoryStore();
    this.fault = opts.fault;
    this.fw = opts.fw ?? DEFAULT_FW;
    this.hwidValue = opts.hwid;
    this.io = opts.baud !== undefined ? pacedLink(link, opts.baud) : link;
  }

  /** new + start(). */
  static async boot(link: Link, opts: SimDeviceOptions = {}): Promise<SimDevice> {
    const d = new SimDevice(link, opts);
    await d.start();
    return d;
  }

  /** Known once started. */
  get hwid(): string {
    if (this.hwidValue === undefined) throw new Error('SimDevice not started: its hwid comes from its store');
    return this.hwidValue;
  }

  /** Loads the non-volatile state, starts listening, and says `EVENT BOOT`. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const rec = await this.store.load();
    this.hwidValue ??= rec?.hwid ?? randomHex(this.random, 12);
    this.committed = rec?.identity;
    if (this.fault === 'locked' && !this.committed) this.committed = { ...PRELOCKED_IDENTITY };
    if (rec?.hwid !== this.hwidValue || rec?.identity !== this.committed) await this.store.save({ hwid: this.hwidValue, identity: this.committed });
    if (this.stopped) return; // stopped while loading: it never starts listening

    const splitter = new LineSplitter(
      (line) => this.onLine(line),
      (prefix) => this.note(`> ${printable(prefix)}... (over-long line ignored)`),
    );
    this.unsubs.push(this.io.onData((c) => splitter.push(c)));
    this.unsubs.push(this.io.onClose(() => this.stop()));
    if (this.opts.push) this.unsubs.push(this.opts.push.onPush((msg) => this.onPush(msg)));
    this.note(`. unit ${this.hwidValue} state=${this.state()} fw=${this.fw}${this.fault ? ` fault=${this.fault}` : ''}`);
    this.boot();
  }

  /** Stops listening and answering; the link stays open (its owner closes it). A COMMIT under way keeps nothing, like a power cut. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const u of this.unsubs.splice(0)) u();
  }

  /** A reset (power cycle): RAM is lost, the committed identity stays, `EVENT BOOT` again. A pulled unit answers again: `pull` strikes once. */
  reset(): void {
    this.generation++;
    this.staged = undefined;
    this.token = undefined;
    this.muted = false;
    this.boot();
  }

  state(): DeviceState {
    return this.committed ? 'locked' : this.staged ? 'written' : 'blank';
  }

  /** The committed (non-volatile) identity, undefined when none. */
  identity(): Identity | undefined {
    return this.committed ? { ...this.committed } : undefined;
  }

  /** Resolves once everything the unit has queued to send is written. */
  async flushed(): Promise<void> {
    await this.writes;
  }

  /** What WRITE staged in RAM and COMMIT has not yet persisted. */
  stagedIdentity(): Identity | undefined {
    return this.staged ? { ...this.staged } : undefined;
  }

  private boot(): void {
    if (this.fault === 'silent') {
      this.muted = true;
      this.note('. silent: answers nothing');
      return;
    }
    if (this.fault === 'noise') for (const l of bootBanner(this.fw)) this.sendRaw(l + '\n');
    this.send(encodeFrame('EVENT', [], 'BOOT'));
  }

  private note(line: string): void {
    this.opts.log?.(line);
  }

  private onLine(raw: string): void {
    if (this.stopped || this.muted) return;
    const p = parseLine(raw);
    if (p.kind === 'log' || p.kind === 'noise') {
      if (raw.trim() !== '') this.note(`> ${printable(raw)} (not a frame, ignored)`);
      return;
    }
    if (p.kind === 'badcrc') {
      this.note(`> ${printable(p.line)} (bad CRC)`);
      this.enqueue(async () => this.answer(p.verb, false, { code: 'BADCRC' }));
      return;
    }
    const f = p.frame;
    if (f.verb === 'OK' || f.verb === 'ERR' || f.verb === 'EVENT') {
      this.note(`> ${p.line} (an answer, not a request: ignored)`);
      return;
    }
    this.note(`> ${p.line}`);
    this.enqueue(() => this.handle(f));
  }

  private enqueue(fn: () => Promise<void>): void {
    this.work = this.work.then(fn).catch((e: unknown) => this.note(`! ${e instanceof Error ? e.message : String(e)}`));
  }

  private async handle(f: Frame): Promise<void> {
    switch (f.verb) {
      case 'HELLO': {
        if (this.fault === 'lossy' && this.committed) {
          const n = this.lockedHellos++ % 3;
          if (n === 1) return this.note('. lossy: this HELLO answer is lost');
          if (n === 2) this.corruptNext = true;
        }
        const hwid = this.fault === 'flicker' ? randomHex(this.random, 12) : this.hwid;
        return this.answer('HELLO', true, { proto: this.fault === 'proto2' ? 2 : 1, fw: this.fw, hwid, state: this.state() });
      }
      case 'WRITE':
        return this.write(f);
      case 'READ':
        return this.answer('READ', true, identityFields(this.staged ?? this.committed));
      case 'COMMIT':
        return this.commit();
      case 'ERASE':
        return this.erase();
      case 'TOKEN':
        return this.pushToken();
      default:
        return this.answer(f.verb, false, { code: 'UNKNOWN' });
    }
  }

  private write(f: Frame): void {
    const checked = checkWrite(f.fields);
    if (this.committed) this.answer('WRITE', false, { code: 'LOCKED' });
    else if ('problem' in checked) this.answer('WRITE', false, { code: 'BADARG', msg: checked.problem });
    else {
      this.staged = checked.identity;
      this.answer('WRITE', true);
    }
    if (this.fault === 'pull' && !this.pulled) {
      this.pulled = true;
      this.muted = true;
      this.note('. pulled off the fixture: silent from now on');
    }
  }

  private async commit(): Promise<void> {
    if (!this.staged) {
      // A COMMIT sent again because its answer was lost must not fail the unit.
      if (this.committed) return this.answer('COMMIT', true);
      return this.answer('COMMIT', false, { code: 'BADARG', msg: 'nothing_written' });
    }
    const staged = this.staged;
    const generation = this.generation;
    await sleep(this.opts.commitMs ?? 30);
    if (this.stopped || generation !== this.generation) return; // power cut mid-COMMIT: the old state stays
    if (this.fault === 'flash') return this.answer('COMMIT', false, { code: 'FLASH', msg: 'write_verify_failed' });
    if (!(await this.persist({ hwid: this.hwid, identity: staged }))) return this.answer('COMMIT', false, { code: 'FLASH', msg: 'store_failed' });
    this.committed = staged;
    this.staged = undefined;
    this.answer('COMMIT', true);
  }

  private async erase(): Promise<void> {
    if (this.fault === 'erase-denied') return this.answer('ERASE', false, { code: 'DENIED', msg: 'production_firmware' });
    if (!(await this.persist({ hwid: this.hwid }))) return this.answer('ERASE', false, { code: 'FLASH', msg: 'store_failed' });
    this.committed = undefined;
    this.staged = undefined;
    this.token = undefined;
    this.answer('ERASE', true);
  }

  /** The store's save; false (and a log line) when it failed, so the unit answers FLASH and keeps its old state. */
  private async persist(r: DeviceRecord): Promise<boolean> {
    try {
      await this.store.save(r);
      return true;
    } catch (e) {
      this.note(`! storage failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  private async pushToken(): Promise<void> {
    const hook = this.opts.push;
    if (!this.committed || !hook) return this.answer('TOKEN', false, { code: 'NOTREADY', msg: !this.committed ? 'not_activated' : 'offline' });
    const nowSec = Math.floor(this.now() / 1000);
    if (!this.token || this.token.expire <= nowSec) {
      const token = `simpt_${randomHex(this.random, 32).toLowerCase()}`;
      try {
        await hook.registerToken(token);
      } catch (e) {
        this.note(`! push token registration failed: ${e instanceof Error ? e.message : String(e)}`);
        return this.answer('TOKEN', false, { code: 'NOTREADY', msg: 'offline' });
      }
      this.token = { token, expire: nowSec + TOKEN_TTL_SEC };
    }
    this.answer('TOKEN', true, { push_token: this.token.token, expire: this.token.expire });
  }

  private onPush(msg: string): void {
    if (this.stopped || this.muted) return;
    const b64 = Buffer.from(msg, 'utf8').toString('base64');
    try {
      this.send(encodeFrame('EVENT', { msg: b64 }, 'PUSH'));
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      this.sendRaw(`# push of ${Buffer.byteLength(msg)} bytes does not fit one WXP/1 line: dropped\n`);
    }
  }

  private answer(subject: string, ok: boolean, fields: Record<string, string | number> | [string, string][] = []): void {
    let line = encodeFrame(ok ? 'OK' : 'ERR', fields, subject);
    if ((this.fault === 'badcrc' && this.answers === 0) || this.corruptNext) {
      this.corruptNext = false;
      const crc = parseInt(line.slice(-4), 16) ^ 0x0101;
      line = line.slice(0, -4) + crc.toString(16).toUpperCase().padStart(4, '0');
      this.note('. next answer carries a wrong CRC on purpose');
    }
    this.answers++;
    this.send(line);
    this.opts.onAnswer?.(subject, ok, this.state());
  }

  /** One frame out, after whatever is already being written (lines never interleave). */
  private send(line: string): void {
    this.note(`< ${line}`);
    this.queueWrite(async () => {
      if (this.fault === 'noise') {
        if (this.random() < 0.5) await this.io.write(logLine(this.random));
        await this.io.write(garbageLine(this.random));
        for (const piece of pieces(this.random, line + '\n')) {
          await this.io.write(piece);
          await sleep(randInt(this.random, 1, 3));
        }
      } else await this.io.write(line + '\n');
    });
  }

  private sendRaw(text: string): void {
    this.queueWrite(() => this.io.write(text));
  }

  private queueWrite(fn: () => Promise<void>): void {
    this.writes = this.writes
      .then(() => (this.stopped ? undefined : fn()))
      .catch((e: unknown) => this.note(`! write failed: ${e instanceof Error ? e.message : String(e)}`));
  }
}
