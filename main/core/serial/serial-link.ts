import { SerialPort } from 'serialport';
import { WxError } from '../errors/wx-error.js';
import type { Link } from './link.js';

/** The OS's reason for a failed open, as the operator's problem to fix. */
export function portError(port: string, e: unknown): WxError {
  const err = e as NodeJS.ErrnoException;
  const text = `${err.code ?? ''} ${err.message ?? ''}`;
  if (/ENOENT|No such file|File not found|cannot find/i.test(text)) return new WxError('PORT_NOT_FOUND', { port });
  if (/EACCES|Permission denied|Access denied/i.test(text)) return new WxError('PORT_ACCESS_DENIED', { port });
  if (/EBUSY|Cannot lock port|Resource temporarily unavailable|Resource busy/i.test(text)) return new WxError('PORT_BUSY', { port });
  return new WxError('PORT_OPEN_FAILED', { port, detail: err.message ?? String(e) });
}

/** 8N1, no flow control, exclusive (locked) so two programs can never talk to one unit. */
export async function openSerialLink(path: string, baudRate = 115200): Promise<Link> {
  const port = new SerialPort({ path, baudRate, dataBits: 8, parity: 'none', stopBits: 1, rtscts: false, lock: true, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(portError(path, e)) : resolve())));
  const closeCbs = new Set<(err?: Error) => void>();
  let closed = false;
  port.on('close', (err?: Error & { disconnected?: boolean }) => {
    if (closed) return;
    closed = true;
    const why = err?.disconnected ? new WxError('PORT_VANISHED', { port: path }) : err;
    for (const cb of closeCbs) cb(why);
  });
  port.on('error', () => {}); // surfaced through 'close' and failed writes
  return {
    path,
    write: (data) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(new WxError('PORT_VANISHED', { port: path }));
        port.write(Buffer.from(data, 'latin1'), (e) => (e ? reject(new WxError('PORT_VANISHED', { port: path }, { cause: e })) : port.drain(() => resolve())));
      }),
    onData(cb) {
      port.on('data', cb);
      return () => void port.off('data', cb);
    },
    onClose(cb) {
      closeCbs.add(cb);
      return () => void closeCbs.delete(cb);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (closed || !port.isOpen) return resolve();
        closed = true;
        port.close(() => resolve());
      }),
  };
}
