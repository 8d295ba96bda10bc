import net from 'node:net';
import { connectService, splice } from './relay.js';
import type { SimAdbDevice, SimAdbWorld } from './world.js';

interface Forward {
  serial: string;
  local: string;
  remote: string;
  server: net.Server;
}

/** `adb forward tcp:<port> <remote>`: listeners on this computer, each tied to one device. */
export class SimForwards {
  private readonly byLocal = new Map<string, Forward>();

  constructor(private readonly world: SimAdbWorld) {}

  /** Resolves to the port bound (tcp:0 picks one), or adb's FAIL message. */
  async install(dev: SimAdbDevice, local: string, remote: string, noRebind: boolean): Promise<number | string> {
    const m = /^tcp:(\d{1,5})$/.exec(local);
    if (!m || Number(m[1]) > 65535) return `cannot bind listener: only tcp:<port> is supported by this simulator (${local})`;
    const existing = this.byLocal.get(local);
    if (existing) {
      if (noRebind) return 'cannot rebind existing socket';
      existing.serial = dev.serial;
      existing.remote = remote;
      return Number(m[1]);
    }
    const fwd: Forward = { serial: dev.serial, local, remote, server: net.createServer((c) => void this.accept(fwd, c)) };
    const port = await new Promise<number | string>((resolve) => {
      fwd.server.once('error', (e) => resolve(`cannot bind listener: ${e.message}`));
      fwd.server.listen(Number(m[1]), this.world.host, () => resolve((fwd.server.address() as net.AddressInfo).port));
    });
    if (typeof port === 'string') return port;
    fwd.local = `tcp:${port}`;
    this.byLocal.set(fwd.local, fwd);
    return port;
  }

  private async accept(fwd: Forward, c: net.Socket): Promise<void> {
    c.on('error', () => {});
    c.pause();
    const dev = this.world.devices.get(fwd.serial);
    const up = dev && dev.state === 'device' ? await connectService(dev, fwd.remote) : null;
    if (!dev || !up || c.destroyed) {
      up?.destroy();
      c.destroy();
      return;
    }
    splice(dev, c, up);
  }

  remove(local: string): boolean {
    const fwd = this.byLocal.get(local);
    if (!fwd) return false;
    this.byLocal.delete(local);
    fwd.server.close();
    return true;
  }

  removeAll(): void {
    for (const local of [...this.byLocal.keys()]) this.remove(local);
  }

  /** A device that goes takes its forwards with it, as adb's do. */
  dropFor(serial: string): void {
    for (const f of [...this.byLocal.values()]) if (f.serial === serial) this.remove(f.local);
  }

  list(): string {
    return [...this.byLocal.values()].map((f) => `${f.serial} ${f.local} ${f.remote}\n`).join('');
  }
}
