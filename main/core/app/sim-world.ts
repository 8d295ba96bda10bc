import fs from 'node:fs';
import path from 'node:path';
import type { Slot } from '../../../preload/contract.js';
import { WxError, toPayload, type ErrorPayload } from '../errors/wx-error.js';
import type { PortInfo } from '../serial/ports.js';
import { openPtyPair, type PtyPair } from '../serial/pty.js';
import { SimDevice, wechatPushHook, type DeviceFault } from '../sim/device/index.js';
import { startWechatSim, type WechatSim } from '../sim/wechat-sim.js';

/** One fixture slot of the simulated line: a pseudo-terminal and the unit on it. */
interface SimFixture {
  name: string;
  path: string;
  pty?: PtyPair;
  unit?: SimDevice;
  error?: ErrorPayload;
}

export interface SimWorldOptions {
  /** Slot names; '1' and '2' by default. */
  slots?: string[];
  /** How long a simulated COMMIT takes; 50 ms. */
  commitMs?: number;
}

/**
 * Simulation mode's world: the WeChat backend simulator in this process, and one simulated
 * unit per slot on a socat pseudo-terminal, so the line works with no account and no
 * hardware. Everything lives in memory or under `dir`, which is wiped first: the simulator's
 * products cannot outlive it, so neither may the ledger that refers to them.
 */
export class SimWorld {
  private readonly fixtures: SimFixture[];
  private closed = false;

  private constructor(
    readonly sim: WechatSim,
    readonly dir: string,
    names: string[],
    private readonly commitMs: number,
  ) {
    this.fixtures = names.map((name) => ({ name, path: path.join(dir, 'ports', `ttySIM${name}`) }));
  }

  static async start(dir: string, o: SimWorldOptions = {}): Promise<SimWorld> {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'ports'), { recursive: true, mode: 0o700 });
    const sim = await startWechatSim();
    const world = new SimWorld(sim, dir, o.slots ?? ['1', '2'], o.commitMs ?? 50);
    for (const f of world.fixtures) {
      try {
        await world.place(f);
      } catch (e) {
        // No socat: the slot shows why; the API side of simulation still works.
        f.error = toPayload(e);
      }
    }
    return world;
  }

  /** The slots the line starts with, one per fixture. */
  slots(): Slot[] {
    return this.fixtures.map((f) => ({ name: f.name, spec: f.path, baud: 115200 }));
  }

  /** The fixtures' ports, as the port list shows them. */
  ports(): PortInfo[] {
    return this.fixtures.filter((f) => f.pty).map((f) => ({ path: f.path, manufacturer: `simulated slot ${f.name}`, source: 'given' as const }));
  }

  /** Why a slot has no unit (socat missing), if it has none. */
  error(slot: string): ErrorPayload | undefined {
    return this.fixtures.find((f) => f.name === slot)?.error;
  }

  /** The operator plugs the next unit: a fresh one (new hwid), with an optional fault. */
  async placeUnit(slot: string, fault?: DeviceFault): Promise<{ slot: string; hwid: string }> {
    const f = this.fixtures.find((x) => x.name === slot);
    if (!f) throw new WxError('SLOT_UNKNOWN', { slot, slots: this.fixtures.map((x) => x.name).join(', ') });
    const unit = await this.place(f, fault);
    f.error = undefined;
    return { slot, hwid: unit.hwid };
  }

  private async place(f: SimFixture, fault?: DeviceFault): Promise<SimDevice> {
    if (this.closed) throw new WxError('APP_WRONG_MODE', { mode: 'simulation' });
    f.pty ??= await openPtyPair(f.path);
    f.unit?.stop();
    f.unit = undefined;
    f.unit = await SimDevice.boot(f.pty.link, { push: wechatPushHook(this.sim), commitMs: this.commitMs, ...(fault ? { fault } : {}) });
    return f.unit;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.fixtures) {
      f.unit?.stop();
      await f.pty?.close().catch(() => {});
    }
    await this.sim.close();
  }
}
