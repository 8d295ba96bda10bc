import { isAdbSpec, openAdbLink, parseAdbSpec } from '../adb/adb-link.js';
import { WxError } from '../errors/wx-error.js';
import type { Link } from './link.js';
import { resolvePort } from './ports.js';
import { openSerialLink } from './serial-link.js';
import { isTcpSpec, openTcpLink, parseTcpSpec } from './tcp-link.js';

/** How a slot's port is opened: its spec as the operator wrote it, and the slot's baud rate (serial only). */
export type LinkOpener = (spec: string, baud: number) => Promise<Link>;

/** What a transport needs from the environment: where the ADB server is (adb's own variables; process.env when not given). */
export interface LinkEnv {
  ANDROID_ADB_SERVER_ADDRESS?: string;
  ANDROID_ADB_SERVER_PORT?: string;
}

export { isAdbSpec };

/** A transport with no wire of its own to time (TCP, ADB): its answers wait for the unit alone. */
export const isStreamSpec = (spec: string): boolean => isTcpSpec(spec) || isAdbSpec(spec);

/**
 * A slot's spec → the Link to its unit. WXP/1 is the same over each, so this is the only place
 * that knows the transports: `tcp:<host>:<port>` (a networked jig), `adb:<serial>` /
 * `adbusb:<usb path>` (an Android unit's agent through the ADB server), else a serial port —
 * a path, or `sn:` / `loc:` found by the port list.
 */
export async function openLink(spec: string, baud: number, env: LinkEnv = process.env): Promise<Link> {
  if (isTcpSpec(spec)) return openTcpLink(spec);
  if (isAdbSpec(spec)) {
    return openAdbLink(spec, { env: { ANDROID_ADB_SERVER_ADDRESS: env.ANDROID_ADB_SERVER_ADDRESS, ANDROID_ADB_SERVER_PORT: env.ANDROID_ADB_SERVER_PORT } });
  }
  return openSerialLink(await resolvePort(spec), baud);
}

/** A slot's spec checked for its form before anything opens it (INPUT_INVALID, field `field`): a typo is said once, not as a port lost at every retry. */
export function checkPortSpec(spec: string, field = 'port'): void {
  try {
    if (isTcpSpec(spec)) parseTcpSpec(spec);
    else if (isAdbSpec(spec)) parseAdbSpec(spec);
  } catch (e) {
    const err = e as { code?: string; params?: { allowed?: string } };
    if (err.code === 'INPUT_INVALID') throw new WxError('INPUT_INVALID', { field, detail: spec, allowed: err.params?.allowed ?? '' });
    throw e;
  }
}
