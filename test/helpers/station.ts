import { PassThrough } from 'node:stream';
import { runCli } from '../../main/core/cli/run.js';
import { SimDevice, type SimDeviceOptions } from '../../main/core/sim/device/index.js';
import type { CliResult } from './cli.js';
import { portPlug, type AdbDevices, type PluggedPort, type PortPlug, type Transport } from './transports.js';

// A station fixture slot on a real port — a pseudo-terminal (socat), a TCP jig, or an Android
// unit behind the simulated ADB server (transports.ts) — that can be plugged and unplugged,
// and units (SimDevices) put on it and taken off, independently.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves with the first truthy value of `what`, polled every 10 ms; throws after `ms`. */
export async function until<T>(what: () => T | undefined | false | null, ms = 10_000, label = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${label}`);
    await sleep(10);
  }
}

export class Fixture {
  private port?: PluggedPort;
  unit?: SimDevice;
  /** Every line the current and past units logged (`> HELLO *49D6`, ...), with the unit's hwid. */
  readonly log: { hwid: string | undefined; line: string }[] = [];
  /** The slot's spec: a pty path, `tcp:…` or `adb:…`. */
  readonly path: string;

  constructor(private readonly at: PortPlug) {
    this.path = at.spec;
  }

  /** The port appears (socat creates the pty at `path`; the jig listens; the Android device is listed). */
  async plug(): Promise<this> {
    if (!this.port) this.port = await this.at.plug();
    return this;
  }

  /** The port goes away (socat exits; the jig closes; the device leaves the ADB server's list); a unit on it loses power. */
  async unplug(): Promise<void> {
    this.remove();
    const p = this.port;
    this.port = undefined;
    await p?.close();
  }

  /** A station holds the port (tcp, adb); undefined where that cannot be told (a pty: open it to see). */
  held(): boolean | undefined {
    return this.port?.held?.();
  }

  /** A unit is put on the fixture (plugging the port first if needed). */
  async insert(opts: SimDeviceOptions = {}): Promise<SimDevice> {
    await this.plug();
    this.remove();
    const hwid = opts.hwid;
    this.unit = await SimDevice.boot(this.port!.link, {
      commitMs: 20,
      ...opts,
      log: (line) => {
        this.log.push({ hwid, line });
        opts.log?.(line);
      },
    });
    return this.unit;
  }

  /** The unit is taken off: it stops answering; the port stays. */
  remove(): void {
    this.unit?.stop();
    this.unit = undefined;
  }

  /** How many HELLOs units with this hwid have received so far. */
  hellos(hwid: string): number {
    return this.log.filter((l) => l.hwid === hwid && l.line.startsWith('> HELLO')).length;
  }
}

/** Fixtures under `dir` (pty paths; tcp and adb ports are chosen free), closed together. */
export function fixtures(dir: string, transport: Transport = 'pty', adb?: AdbDevices) {
  const made: Fixture[] = [];
  return {
    async make(name: string): Promise<Fixture> {
      const f = new Fixture(await portPlug(transport, dir, name, adb));
      made.push(f);
      return f;
    },
    async closeAll(): Promise<void> {
      for (const f of made.splice(0)) await f.unplug();
    },
  };
}

/** Like cli() (in-process), but it can be interrupted (as Ctrl-C does) and its stdout read while it runs. */
export function cliRun(argv: string[], env: NodeJS.ProcessEnv) {
  let interrupt!: () => void;
  const interrupted = new Promise<void>((r) => (interrupt = r));
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const done: Promise<CliResult> = runCli(argv, { stdout: out, stderr: err, env, interrupted }).then(async (code) => {
    await new Promise((r) => setImmediate(r));
    return { code, stdout, stderr };
  });
  return { done, interrupt, stdout: () => stdout, stderr: () => stderr };
}

/** stdout as JSON lines (one document a line). */
export const jsonLines = (stdout: string): any[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
