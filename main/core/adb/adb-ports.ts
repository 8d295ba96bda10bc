import { toPayload, type ErrorPayload } from '../errors/wx-error.js';
import type { PortInfo } from '../serial/ports.js';
import { AdbClient } from './client.js';
import { ADB_DEFAULT_PORT, adbServerAddress } from './server-address.js';

export interface AdbPorts {
  /** Where the ADB server was looked for (`host:port`). */
  server: string;
  /** One per device the server lists, whatever its state. */
  ports: PortInfo[];
  /** Why there is no list (no server running, a bad ANDROID_ADB_SERVER_PORT): most stations have no ADB, so this is said, not thrown. */
  error?: ErrorPayload;
}

/** Short: a station without ADB waits no longer than this for the port list. */
const LIST_TIMEOUT_MS = 1000;

/**
 * The ADB server's devices as ports a slot can name: `adb:<serial>`, or (in `adb.usb`) the USB
 * port path for `adbusb:<usb>`. Nothing is started: with no server running the list is empty
 * and says why.
 */
export async function listAdbPorts(env: NodeJS.ProcessEnv = process.env): Promise<AdbPorts> {
  // As given, for the message, when the variables themselves are what is wrong.
  let server = `${env.ANDROID_ADB_SERVER_ADDRESS || '127.0.0.1'}:${env.ANDROID_ADB_SERVER_PORT || ADB_DEFAULT_PORT}`;
  try {
    const at = adbServerAddress(env);
    server = `${at.host}:${at.port}`;
    const devices = await new AdbClient({ ...at, connectTimeoutMs: LIST_TIMEOUT_MS, answerTimeoutMs: LIST_TIMEOUT_MS }).devices();
    return {
      server,
      ports: devices.map((d) => ({
        path: `adb:${d.serial}`,
        ...(d.usb ? { location: d.usb } : {}),
        ...(d.model ? { manufacturer: d.model } : {}),
        source: 'adb' as const,
        adb: { serial: d.serial, state: d.state, ...(d.usb ? { usb: d.usb } : {}), ...(d.model ? { model: d.model } : {}) },
      })),
    };
  } catch (e) {
    return { server, ports: [], error: toPayload(e) };
  }
}
