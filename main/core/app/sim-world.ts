import fs from 'node:fs';
import type { Slot } from '../../../preload/contract.js';
import { WxError } from '../errors/wx-error.js';
import type { Link } from '../serial/link.js';
import { memoryPort, type MemoryPort } from '../serial/memory-port.js';
import type { PortInfo } from '../serial/ports.js';
import { openLink } from '../serial/open-link.js';
import { SimDevice, wechatPushHook, type DeviceFault } from '../sim/device/index.js';
import { simAndroidPort, SIM_ANDROID } from './sim-android.js';
import { startWechatSim, type WechatSim } from '../sim/wechat-sim.js';

/** How a simulated fixture's port is named in a slot: `sim:1`. */
export const SIM_PORT_PREFIX = 'sim:';

/** One fixture slot of the simulated line: an in-process port (or the simulated Android unit's, sim-android.ts) and the unit on it. */
interface SimFixture {
  name: string;
  port: Pick<MemoryPort, 'path' | 'unit' | 'open' | 'close'>;
  unit?: SimDevice;
  /** Offered in the port list, not one of the slots the line starts with. */
  extra?: boolean;
}

export interface SimWorldOptions {
  /** Slot names; '1' and '2' by default. */
  slots?: string[];
  /** How long a simulated COMMIT takes; 50 ms. */
  commitMs?: number;
  /** Opens a slot that is not a simulated fixture (a real adapter, a jig or an Android unit used in simulation); open-link.ts by default. */
  openSerial?: (path: string, baud: number) => Promise<Link>;
}

/**
 * Simulation mode's world: the WeChat backend simulator in this process, and one simulated
 * unit per slot on an in-process port (`sim:<slot>`), so the line works with no account, no
 * hardware and nothing installed beyond npm install — on Windows too, where there is no socat
 * for pseudo-terminals (those are for `wxprov sim device` only). Everything lives in memory or
 * under `dir`, which is wiped first: the simulator's products cannot outlive it, so neither
 * may the ledger that refers to them.
 */
export class SimWorld {
  private readonly fixtures: SimFixture[];
  private closed = false;

  private constructor(
    readonly sim: WechatSim,
    readonly dir: string,
    names: string[],
    private readonly commitMs: number,
    private readonly openSerial: (path: string, baud: number) => Promise<Link>,
  ) {
    this.fixtures = names.map((name) => ({ name, port: memoryPort(`${SIM_PORT_PREFIX}${name}`) }));
  }

  static async start(dir: string, o: SimWorldOptions = {}): Promise<SimWorld> {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const sim = await startWechatSim();
    const world = new SimWorld(sim, dir, o.slots ?? ['1', '2'], o.commitMs ?? 50, o.openSerial ?? openLink);
    try {
      world.fixtures.push({ name: SIM_ANDROID.slot, port: await simAndroidPort(), extra: true });
      for (const f of world.fixtures) await world.place(f);
    } catch (e) {
      await world.close();
      throw e;
    }
    return world;
  }

  /** The slots the line starts with, one per fixture. */
  slots(): Slot[] {
    return this.fixtures.filter((f) => !f.extra).map((f) => ({ name: f.name, spec: f.port.path, baud: 115200 }));
  }

  /** The fixtures' ports, as the port list shows them: the slots', and an Android unit on a simulated ADB server to add as a slot. */
  ports(): PortInfo[] {
    return this.fixtures.map((f) =>
      f.extra
        ? { path: f.port.path, location: SIM_ANDROID.usb, manufacturer: SIM_ANDROID.model, source: 'adb' as const, adb: { serial: SIM_ANDROID.serial, state: 'device', usb: SIM_ANDROID.usb, model: SIM_ANDROID.model } }
        : { path: f.port.path, manufacturer: `simulated slot ${f.name}`, source: 'given' as const },
    );
  }

  /** A slot's fixture: by the slot's name, or by the port its spec names (a slot made from the port list). */
  private fixtureOf(slot: string, spec?: string): SimFixture | undefined {
    const port = spec === `adbusb:${SIM_ANDROID.usb}` ? `adb:${SIM_ANDROID.serial}` : spec;
    return this.fixtures.find((x) => x.name === slot) ?? this.fixtures.find((x) => x.port.path === port);
  }

  /** The station's `open`: a fixture's port for `sim:<slot>`, any other path as a serial port. */
  openPort(path: string, baud: number): Promise<Link> {
    const f = this.fixtureOf('', path);
    if (f) return f.port.open();
    if (path.startsWith(SIM_PORT_PREFIX)) return Promise.reject(new WxError('PORT_NOT_FOUND', { port: path }));
    return this.openSerial(path, baud);
  }

  /** The operator plugs the next unit: a fresh one (new hwid), with an optional fault. */
  async placeUnit(slot: string, fault?: DeviceFault, spec?: string): Promise<{ slot: string; hwid: string }> {
    const f = this.fixtureOf(slot, spec);
    if (!f) throw new WxError('SLOT_UNKNOWN', { slot, slots: this.fixtures.map((x) => x.name).join(', ') });
    const unit = await this.place(f, fault);
    return { slot, hwid: unit.hwid };
  }

  private async place(f: SimFixture, fault?: DeviceFault): Promise<SimDevice> {
    if (this.closed) throw new WxError('APP_WRONG_MODE', { mode: 'simulation' });
    f.unit?.stop();
    f.unit = undefined;
    f.unit = await SimDevice.boot(f.port.unit, { push: wechatPushHook(this.sim), commitMs: this.commitMs, ...(fault ? { fault } : {}) });
    return f.unit;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.fixtures) {
      f.unit?.stop();
      await f.port.close();
    }
    await this.sim.close();
  }
}
