import type net from 'node:net';
import { WxError } from '../errors/wx-error.js';
import type { Link } from '../serial/link.js';
import { socketLink } from '../serial/socket-link.js';
import { AdbClient, type AdbDevice } from './client.js';
import { AdbFailError } from './protocol.js';
import { adbServerAddress } from './server-address.js';

/** The abstract socket the WMPF Client app's agent listens on, on the device. */
export const WXP_AGENT_SERVICE = 'localabstract:wmpf-wxp';

export const isAdbSpec = (spec: string): boolean => /^adb(usb)?:/.test(spec);

/** `adb:<serial>` names one device; `adbusb:<path>` a USB port, whichever device sits in it. */
export function parseAdbSpec(spec: string): { by: 'serial' | 'usb'; value: string } {
  const m = /^(adb|adbusb):(.+)$/.exec(spec);
  if (!m || !m[2].trim()) {
    throw new WxError('INPUT_INVALID', { field: 'port', detail: spec, allowed: 'adb:<serial> or adbusb:<usb path>, e.g. adb:R58M123ABC or adbusb:1-1.2' });
  }
  return { by: m[1] === 'adb' ? 'serial' : 'usb', value: m[2].trim() };
}

/** The device a spec names, ready to be talked to, or the operator's reason why not. */
function pick(spec: string, list: AdbDevice[]): AdbDevice {
  const { by, value } = parseAdbSpec(spec);
  const dev = list.find((d) => (by === 'serial' ? d.serial === value : d.usb === value));
  if (!dev) throw new WxError('PORT_NOT_FOUND', { port: spec });
  if (dev.state === 'unauthorized') throw new WxError('ADB_UNAUTHORIZED', { port: spec });
  if (dev.state !== 'device') throw new WxError('ADB_DEVICE_OFFLINE', { port: spec, state: dev.state }, { retryable: true });
  return dev;
}

/**
 * A WXP/1 Link to the agent of an Android unit, through the ADB server: the station reopens a
 * slot's port as it would a serial adapter's, so each refusal maps to what the operator does
 * about it (plug it in, accept the debugging prompt, open the Client app).
 */
export async function openAdbLink(spec: string, o: { env?: NodeJS.ProcessEnv; client?: AdbClient } = {}): Promise<Link> {
  parseAdbSpec(spec);
  const client = o.client ?? new AdbClient(adbServerAddress(o.env));
  const dev = pick(spec, await client.devices());
  let socket: net.Socket;
  try {
    socket = await client.openService(dev.serial, WXP_AGENT_SERVICE);
  } catch (e) {
    if (!(e instanceof AdbFailError)) throw e;
    // The device went between the listing and the switch to it: gone, as far as the slot knows.
    if (e.stage === 'transport') throw new WxError('PORT_NOT_FOUND', { port: spec }, { cause: e });
    throw new WxError('ADB_AGENT_NOT_RUNNING', { port: spec }, { cause: e, retryable: true });
  }
  return socketLink(spec, socket);
}
