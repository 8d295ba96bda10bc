import type net from 'node:net';
import { WxError } from '../errors/wx-error.js';
import type { Link } from '../serial/link.js';
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
  return adbSocketLink(spec, socket);
}

/** The service's stream as a Link: the far end closing or resetting it is PORT_VANISHED, once. */
export function adbSocketLink(spec: string, socket: net.Socket): Link {
  const dataCbs = new Set<(chunk: Buffer) => void>();
  const closeCbs = new Set<(err?: Error) => void>();
  // Bytes the unit sent before anyone listened (openService's leftovers included) wait for the
  // first listener, as a serial port's receive buffer would hold them.
  let early: Buffer[] | null = [];
  let flushing = false;
  let closed = false;
  let ours = false;
  const fireClose = (err?: Error) => {
    if (closed) return;
    closed = true;
    const why = ours ? undefined : new WxError('PORT_VANISHED', { port: spec }, err ? { cause: err } : undefined);
    for (const cb of [...closeCbs]) cb(why);
  };
  socket.on('data', (chunk: Buffer) => {
    if (early) early.push(chunk);
    else for (const cb of [...dataCbs]) cb(chunk);
  });
  socket.on('error', (e) => fireClose(e));
  socket.on('end', () => socket.end());
  socket.on('close', () => fireClose());
  socket.resume();
  return {
    path: spec,
    write: (data) =>
      new Promise((resolve, reject) => {
        if (closed || socket.destroyed) return reject(new WxError('PORT_VANISHED', { port: spec }));
        socket.write(Buffer.from(data, 'latin1'), (e) => (e ? reject(new WxError('PORT_VANISHED', { port: spec }, { cause: e })) : resolve()));
      }),
    onData(cb) {
      dataCbs.add(cb);
      if (early && !flushing) {
        flushing = true;
        // Later, not inside the subscribe call; chunks arriving meanwhile join the queue, in order.
        setImmediate(() => {
          const held = early ?? [];
          early = null;
          for (const c of held) for (const d of [...dataCbs]) d(c);
        });
      }
      return () => void dataCbs.delete(cb);
    },
    onClose(cb) {
      closeCbs.add(cb);
      return () => void closeCbs.delete(cb);
    },
    close: () =>
      new Promise<void>((resolve) => {
        ours = true;
        if (socket.destroyed) {
          fireClose();
          return resolve();
        }
        socket.once('close', () => resolve());
        socket.destroy();
      }),
  };
}
