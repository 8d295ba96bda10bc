import https from 'node:https';
import { CODES, type ErrorCode } from '../errors/codes.js';
import { WxError, type ErrorParams } from '../errors/wx-error.js';
import { connectionError, endpoint, offline, pinnedIdentity, serverName } from './pinned-tls.js';
import {
  parseBlock,
  parseDownlink,
  parseJoin,
  parseMesCheckAnswer,
  parseSigned,
  parseUplinkAnswer,
  UPLINK_PENDING_HEADER,
  type Block,
  type Downlink,
  type JoinAnswer,
  type MesCheckAnswer,
  type Signed,
  type UplinkAnswer,
} from './protocol.js';

export interface FleetClientOptions {
  /** The server's origin, e.g. https://10.0.0.5:8443. */
  url: string;
  /** The pinned certificate (kept at join): the only one trusted. */
  certPem: string;
  /** Its fingerprint, 64 lower-case hex digits. */
  fingerprint: string;
  /** The station's credential, asked for only when a call needs it (it is unsealed from the key store). */
  credential?: () => string;
  /** No answer within this long (connect or idle) is FLEET_OFFLINE. */
  timeoutMs?: number;
  /** This station's uplink backlog, sent with every authenticated call for the server's dashboard. */
  uplinkPending?: () => number;
}


export interface CallOptions {
  signal?: AbortSignal;
}

/** A block is about 150 KB; a downlink of a big fleet more. Anything past this is not an answer. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * The station's HTTPS client for the factory server (protocol.ts). Pinned (pinned-tls.ts): the
 * kept certificate is the only CA and the fingerprint replaces the host-name check. Faults
 * come back as stable codes: no connection is FLEET_OFFLINE (retryable), a certificate that is
 * not the pinned one FLEET_CERT_MISMATCH, an error the server names its own code when this
 * station knows it (FLEET_STATION_REVOKED, DEVICE_ID_TAKEN, ...), anything else
 * FLEET_BAD_RESPONSE. One keep-alive agent per client: an uplink of many batches makes one
 * TLS handshake.
 */
export class FleetClient {
  private readonly agent: https.Agent;
  private readonly base: URL;

  constructor(private readonly o: FleetClientOptions) {
    this.base = new URL(o.url);
    const { host } = endpoint(this.base);
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 4,
      ca: o.certPem,
      servername: serverName(host),
      checkServerIdentity: pinnedIdentity(o.fingerprint),
      rejectUnauthorized: true,
    });
  }

  get server(): string {
    return this.base.origin;
  }

  async join(code: string, c: CallOptions = {}): Promise<JoinAnswer> {
    return parseJoin(await this.call('POST', '/v1/join', { code }, { ...c, auth: false }));
  }

  async downlink(since?: number, c: CallOptions = {}): Promise<Downlink> {
    return parseDownlink(await this.call('GET', since === undefined ? '/v1/downlink' : `/v1/downlink?since=${since}`, undefined, c));
  }

  async block(productId: number, count: number, requestId: string, c: CallOptions = {}): Promise<Block> {
    return parseBlock(await this.call('POST', '/v1/blocks', { product_id: productId, count, request_id: requestId }, c));
  }

  async sign(req: { product_id: number; device_id: string; hwid?: string; sn?: string; request_id: string }, c: CallOptions = {}): Promise<Signed> {
    return parseSigned(await this.call('POST', '/v1/sign', req, c));
  }

  async mesCheck(req: Record<string, unknown>, c: CallOptions = {}): Promise<MesCheckAnswer> {
    return parseMesCheckAnswer(await this.call('POST', '/v1/mes/check', req, c));
  }

  async uplink(rows: unknown[], c: CallOptions = {}): Promise<UplinkAnswer> {
    return parseUplinkAnswer(await this.call('POST', '/v1/uplink', { rows }, c));
  }

  close(): void {
    this.agent.destroy();
  }

  /** The backlog now, or nothing: a count that cannot be read must not stop a call. */
  private backlog(): number | undefined {
    try {
      const n = this.o.uplinkPending?.();
      return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  private call(method: 'GET' | 'POST', path: string, body: unknown, c: CallOptions & { auth?: boolean }): Promise<unknown> {
    const server = this.server;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (c.auth !== false) {
      if (!this.o.credential) throw new WxError('FLEET_NOT_JOINED');
      headers.authorization = `Bearer ${this.o.credential()}`;
      const pending = this.backlog();
      if (pending !== undefined) headers[UPLINK_PENDING_HEADER] = String(pending);
    }
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const { host, port } = endpoint(this.base);
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        c.signal?.removeEventListener('abort', onAbort);
        f();
      };
      if (c.signal?.aborted) return reject(offline(server, 'stopped'));
      const req = https.request({ host, port, path, method, headers, agent: this.agent, timeout: this.o.timeoutMs ?? 15_000 }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy();
            settle(() => reject(new WxError('FLEET_BAD_RESPONSE', { detail: `an answer over ${MAX_ANSWER_BYTES} bytes` })));
          } else chunks.push(d);
        });
        res.on('error', (e) => settle(() => reject(connectionError(server, e, this.o.fingerprint))));
        res.on('end', () => settle(() => {
          try {
            resolve(answer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          } catch (e) {
            reject(e);
          }
        }));
      });
      const onAbort = () => {
        req.destroy();
        settle(() => reject(offline(server, 'stopped')));
      };
      c.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('timeout', () => {
        req.destroy();
        settle(() => reject(offline(server, 'timed out')));
      });
      req.on('error', (e) => settle(() => reject(connectionError(server, e, this.o.fingerprint))));
      req.end(payload);
    });
  }
}

const KNOWN = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(CODES, code);

/** The body of an answer: JSON on 2xx; an error the server names becomes that error here. */
function answer(status: number, text: string): unknown {
  let doc: unknown;
  try {
    doc = text === '' ? undefined : JSON.parse(text);
  } catch {
    doc = undefined;
  }
  if (status >= 200 && status < 300) {
    if (doc === undefined) throw new WxError('FLEET_BAD_RESPONSE', { detail: `HTTP ${status} without a JSON body` }, { retryable: true });
    return doc;
  }
  const err = (doc as { error?: { code?: unknown; params?: ErrorParams } } | undefined)?.error;
  if (err && KNOWN(err.code) && err.code !== 'INTERNAL') {
    throw new WxError(err.code, err.params ?? {}, { retryable: status >= 500 });
  }
  const named = err && typeof err.code === 'string' ? ` ${err.code}` : '';
  throw new WxError('FLEET_BAD_RESPONSE', { detail: `HTTP ${status}${named}` }, { retryable: status >= 500 || status === 429 });
}
