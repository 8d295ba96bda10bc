import net from 'node:net';
import { WxError } from '../errors/wx-error.js';
import { parseDeviceList, type AdbDevice } from './device-list.js';
import { AdbFailError, AdbProtocolError, SocketReader, encodeFrame } from './protocol.js';
import type { AdbServerAddress } from './server-address.js';

export type { AdbDevice } from './device-list.js';

export interface AdbClientOptions extends AdbServerAddress {
  /** How long the server may take to accept the connection. */
  connectTimeoutMs?: number;
  /** How long the server may stay silent in the middle of an answer (not while tracking). */
  answerTimeoutMs?: number;
}

export const ADB_CONNECT_TIMEOUT_MS = 3000;
export const ADB_ANSWER_TIMEOUT_MS = 10_000;

/**
 * A client of the ADB server's host protocol, spoken directly over TCP: nothing is spawned, so
 * it behaves the same on Windows, and no `adb` binary is needed on the station. One connection
 * per request, as adb's own client does.
 */
export class AdbClient {
  readonly host: string;
  readonly port: number;
  private readonly connectTimeoutMs: number;
  private readonly answerTimeoutMs: number;

  constructor(o: AdbClientOptions) {
    this.host = o.host;
    this.port = o.port;
    this.connectTimeoutMs = o.connectTimeoutMs ?? ADB_CONNECT_TIMEOUT_MS;
    this.answerTimeoutMs = o.answerTimeoutMs ?? ADB_ANSWER_TIMEOUT_MS;
  }

  /** The server's protocol version (41 for adb 1.0.41). */
  async version(): Promise<number> {
    const text = (await this.query('host:version')).toString('latin1');
    if (!/^[0-9a-fA-F]{4}$/.test(text)) throw this.badAnswer(new AdbProtocolError(`version ${JSON.stringify(text)}`));
    return parseInt(text, 16);
  }

  async devices(): Promise<AdbDevice[]> {
    return parseDeviceList((await this.query('host:devices-l')).toString('utf8'));
  }

  /**
   * Calls onList with the whole device list now and after every change, until the signal aborts
   * or the server goes away (both resolve: a tracker is restarted by its owner, not failed).
   */
  async trackDevices(onList: (list: AdbDevice[]) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { socket, reader } = await this.request('host:track-devices-l');
    socket.setTimeout(0);
    const stop = () => socket.destroy();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    try {
      for (;;) {
        const frame = await reader.readFrameOrEnd();
        if (frame === null || signal.aborted) return;
        onList(parseDeviceList(frame.toString('utf8')));
      }
    } catch (e) {
      if (signal.aborted || isConnectionLoss(e)) return;
      throw this.badAnswer(e);
    } finally {
      signal.removeEventListener('abort', stop);
      socket.destroy();
    }
  }

  /**
   * A raw stream to a service on one device (`localabstract:<name>`, `shell:<cmd>`, `tcp:<port>`).
   * A refusal rejects with AdbFailError, its stage saying whether the device or the service
   * refused. The socket comes back paused (attach listeners, then resume()), with any bytes
   * that followed the OKAY still in it; its errors end in 'close', never as an unhandled event.
   */
  async openService(serial: string, service: string): Promise<net.Socket> {
    const { socket, reader } = await this.request(`host:transport:${serial}`, 'transport');
    try {
      socket.write(encodeFrame(service));
      await reader.readStatus();
    } catch (e) {
      socket.destroy();
      if (e instanceof AdbFailError) throw new AdbFailError(e.reply, 'service');
      throw this.badAnswer(e);
    }
    socket.setTimeout(0);
    const s = reader.release();
    s.on('error', () => {});
    return s;
  }

  /** A legacy `shell:` command's output (stdout and stderr mixed, as adb gives it). */
  async shell(serial: string, command: string): Promise<string> {
    const socket = await this.openService(serial, `shell:${command}`);
    socket.setTimeout(this.answerTimeoutMs, () => socket.destroy(new Error(`no answer within ${this.answerTimeoutMs} ms`)));
    const reader = new SocketReader(socket);
    socket.resume();
    try {
      return (await reader.readToEnd()).toString('utf8');
    } catch (e) {
      throw this.badAnswer(e);
    } finally {
      socket.destroy();
    }
  }

  /** One host request on a new connection: its OKAY read, the rest still to come. */
  private async request(service: string, stage?: 'transport'): Promise<{ socket: net.Socket; reader: SocketReader }> {
    const socket = await this.connect();
    socket.setTimeout(this.answerTimeoutMs, () => socket.destroy(new Error(`no answer within ${this.answerTimeoutMs} ms`)));
    const reader = new SocketReader(socket);
    try {
      socket.write(encodeFrame(service));
      await reader.readStatus();
      return { socket, reader };
    } catch (e) {
      socket.destroy();
      if (e instanceof AdbFailError) {
        if (stage) throw new AdbFailError(e.reply, stage);
        throw this.badAnswer(e);
      }
      throw this.badAnswer(e);
    }
  }

  /** A host request answered by one length-prefixed reply. */
  private async query(service: string): Promise<Buffer> {
    const { socket, reader } = await this.request(service);
    try {
      return await reader.readFrame();
    } catch (e) {
      throw this.badAnswer(e);
    } finally {
      socket.destroy();
    }
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(this.unreachable(new Error(`no connection within ${this.connectTimeoutMs} ms`)));
      }, this.connectTimeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(this.unreachable(e));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
    });
  }

  private unreachable(cause: Error): WxError {
    return new WxError('ADB_SERVER_UNREACHABLE', { host: this.host, port: this.port }, { cause, retryable: true });
  }

  private badAnswer(e: unknown): Error {
    if (e instanceof WxError) return e;
    const detail = e instanceof Error ? e.message : String(e);
    return new WxError('ADB_SERVER_ERROR', { host: this.host, port: this.port, detail }, { cause: e });
  }
}

function isConnectionLoss(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
  return e instanceof AdbProtocolError || /ECONNRESET|EPIPE|ECONNABORTED/.test(code);
}
