import { WxError } from '../errors/wx-error.js';

export interface AdbServerAddress {
  host: string;
  port: number;
}

export const ADB_DEFAULT_PORT = 5037;

/**
 * Where the ADB server listens, read as adb itself reads it, so the station and the engineer's
 * `adb` command always talk to the same server: ANDROID_ADB_SERVER_ADDRESS (default the
 * loopback) and ANDROID_ADB_SERVER_PORT (default 5037). Empty variables count as unset.
 */
export function adbServerAddress(env: NodeJS.ProcessEnv = process.env): AdbServerAddress {
  const rawHost = env.ANDROID_ADB_SERVER_ADDRESS?.trim();
  const host = !rawHost || rawHost === 'localhost' ? '127.0.0.1' : rawHost;
  const rawPort = env.ANDROID_ADB_SERVER_PORT?.trim();
  if (!rawPort) return { host, port: ADB_DEFAULT_PORT };
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new WxError('INPUT_INVALID', { field: 'ANDROID_ADB_SERVER_PORT', detail: rawPort, allowed: '1-65535' });
  }
  return { host, port };
}
