import type net from 'node:net';
import { encodeFrame } from '../../adb/protocol.js';

export type SimAdbState = 'device' | 'unauthorized' | 'offline';

/** A device as a test or the simulation mode plugs it in. */
export interface SimAdbDeviceSpec {
  serial: string;
  state?: SimAdbState;
  /** USB port path, listed as `usb:<path>`. */
  usb?: string;
  model?: string;
  product?: string;
  device?: string;
  /** The simulated WXP/1 unit its `localabstract:wmpf-wxp` reaches; none = the agent is not listening. */
  unit?: { host: string; port: number };
}

export interface SimAdbDevice extends SimAdbDeviceSpec {
  state: SimAdbState;
  transportId: number;
  /** Streams open to this device (relays, forwarded connections): cut when it goes. */
  streams: Set<net.Socket>;
}

/** What the tracking connections are told: adb's `host:devices[-l]` listing. */
export function listing(devices: Iterable<SimAdbDevice>, long: boolean): string {
  let out = '';
  for (const d of devices) {
    if (!long) {
      out += `${d.serial}\t${d.state}\n`;
      continue;
    }
    out += `${d.serial.padEnd(22)} ${d.state}`;
    if (d.usb) out += ` usb:${d.usb}`;
    // adb learns these from the device's banner, which an unauthorized device never sends.
    if (d.state !== 'unauthorized') {
      if (d.product) out += ` product:${d.product}`;
      if (d.model) out += ` model:${d.model}`;
      if (d.device) out += ` device:${d.device}`;
    }
    out += ` transport_id:${d.transportId}\n`;
  }
  return out;
}

/** The sim's state, shared by the host services, the device services and the forwards. */
export class SimAdbWorld {
  readonly devices = new Map<string, SimAdbDevice>();
  readonly trackers = new Set<{ socket: net.Socket; long: boolean }>();
  readonly sockets = new Set<net.Socket>();
  private nextTransportId = 1;
  /** Called when a device goes away or stops being usable (forwards drop theirs). */
  onDrop: (serial: string) => void = () => {};

  constructor(readonly host: string) {}

  add(spec: SimAdbDeviceSpec): void {
    if (this.devices.has(spec.serial)) throw new Error(`sim adb: device ${spec.serial} already plugged in`);
    this.devices.set(spec.serial, { ...spec, state: spec.state ?? 'device', transportId: this.nextTransportId++, streams: new Set() });
    this.changed();
  }

  remove(serial: string): void {
    const d = this.devices.get(serial);
    if (!d) return;
    this.devices.delete(serial);
    this.cut(d);
    this.changed();
  }

  setState(serial: string, state: SimAdbState): void {
    const d = this.devices.get(serial);
    if (!d) throw new Error(`sim adb: no device ${serial}`);
    if (d.state === state) return;
    d.state = state;
    if (state !== 'device') this.cut(d);
    this.changed();
  }

  private cut(d: SimAdbDevice): void {
    for (const s of d.streams) s.destroy();
    d.streams.clear();
    this.onDrop(d.serial);
  }

  changed(): void {
    for (const t of this.trackers) t.socket.write(encodeFrame(listing(this.devices.values(), t.long)));
  }

  byTransportId(id: number): SimAdbDevice | undefined {
    return [...this.devices.values()].find((d) => d.transportId === id);
  }
}
