import { openAdbLink } from '../adb/adb-link.js';
import type { MemoryPort } from '../serial/memory-port.js';
import { startSimAdbServer } from '../sim/adb/index.js';
import { serveUnitOnTcp } from '../sim/device/tcp-unit-port.js';

/** The simulated line's Android unit, as the port list shows it. */
export const SIM_ANDROID = { slot: 'Android', serial: 'SIMWMPF0001', usb: '1-1', model: 'WMPF-SIM' } as const;

/**
 * An Android unit in simulation mode: a simulated unit on a loopback TCP port, listed by a
 * simulated ADB server of this process's own (a free port on 127.0.0.1, never adb's 5037), and
 * opened the way a real one is — the ADB client, `localabstract:wmpf-wxp` — so the line's ADB
 * path runs with no phone and no adb, on Windows too. Its slot is `adb:SIMWMPF0001`, or
 * `adbusb:1-1` for the USB port.
 */
export async function simAndroidPort(): Promise<Pick<MemoryPort, 'path' | 'unit' | 'open' | 'close'>> {
  const unit = await serveUnitOnTcp({ host: '127.0.0.1', port: 0 });
  const adb = await startSimAdbServer({ host: '127.0.0.1', port: 0 }).catch(async (e: unknown) => {
    await unit.close();
    throw e;
  });
  adb.addDevice({ serial: SIM_ANDROID.serial, usb: SIM_ANDROID.usb, model: SIM_ANDROID.model, unit: { host: unit.host, port: unit.port } });
  const env = { ANDROID_ADB_SERVER_ADDRESS: adb.host, ANDROID_ADB_SERVER_PORT: String(adb.port) };
  const path = `adb:${SIM_ANDROID.serial}`;
  return {
    path,
    unit: unit.unit,
    open: () => openAdbLink(path, { env }),
    close: async () => {
      await adb.close();
      await unit.close();
    },
  };
}
