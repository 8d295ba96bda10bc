import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { CODES, type ErrorCode } from '../../errors/codes.js';
import { WxError, type ErrorParams } from '../../errors/wx-error.js';
import { endpoint, pinnedIdentity, serverName } from '../../fleet/pinned-tls.js';
import { drained } from '../../util/write-all.js';
import { readServerJson } from '../home.js';
import { ACTOR_HEADER } from '../routes/admin-routes.js';
import { TLS_DIR } from '../tls/certificate.js';

export interface AdminCallOptions {
  /** Who is acting (WXPROV_OPERATOR or the OS user), for the server's audit log. */
  actor?: string;
  timeoutMs?: number;
}

const MAX_ANSWER_BYTES = 32 * 1024 * 1024;
const KNOWN = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(CODES, code);

/**
 * One admin request to the server running from `home`, the way a station talks to it: TLS
 * pinned to the fingerprint in server.json (the home's certificate as the only CA, its
 * fingerprint checked instead of the host name: fleet/pinned-tls.ts), the admin token from
 * server.json as the bearer. Resolves with the response once its headers are in.
 */
async function open(home: string, method: 'GET' | 'POST', route: string, body: unknown, o: AdminCallOptions): Promise<IncomingMessage> {
  const sj = readServerJson(home);
  const certFile = path.join(home, TLS_DIR, 'cert.pem');
  let ca: string;
  try {
    ca = fs.readFileSync(certFile, 'utf8');
  } catch {
    throw new WxError('FLEET_TLS_FAILED', { detail: `${certFile} is missing`, dir: path.dirname(certFile) });
  }
  const url = new URL(sj.url);
  const { host, port } = endpoint(url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${sj.admin_token}` };
  if (o.actor) headers[ACTOR_HEADER] = o.actor.replace(/[^\x20-\x7e]/g, '?');
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = https.request(
      { host, port, path: route, method, headers, ca, servername: serverName(host), checkServerIdentity: pinnedIdentity(sj.fingerprint), agent: false, timeout: o.timeoutMs ?? 120_000 },
      resolve,
    );
    req.on('timeout', () => req.destroy(new WxError('NET_TIMEOUT', { host: url.host })));
    req.on('error', (e: NodeJS.ErrnoException & { actual?: string }) => {
      if (e instanceof WxError) return reject(e);
      const code = e.code ?? '';
      if (code === 'ERR_FLEET_PIN' || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL|ERR_TLS/.test(code)) {
        return reject(new WxError('FLEET_CERT_MISMATCH', { server: url.origin, expected: sj.fingerprint, actual: e.actual ?? code }, { cause: e }));
      }
      reject(new WxError('FLEET_SERVER_NOT_RUNNING', { home, detail: `${url.origin}: ${code || e.message}` }, { cause: e }));
    });
    req.end(payload);
  });
}

/** The whole body (at most MAX_ANSWER_BYTES). */
function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_ANSWER_BYTES) res.destroy(new WxError('FLEET_BAD_RESPONSE', { detail: `an answer over ${MAX_ANSWER_BYTES} bytes` }));
      else chunks.push(d);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** An answer that is not 2xx as the server's own error (the same WxError), else FLEET_BAD_RESPONSE. */
function failure(status: number, text: string): WxError {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return new WxError('FLEET_BAD_RESPONSE', { detail: `HTTP ${status} without a JSON body` });
  }
  const err = (doc as { error?: { code?: unknown; params?: ErrorParams; errcode?: number } }).error;
  if (err && KNOWN(err.code)) return new WxError(err.code, err.params ?? {}, { errcode: typeof err.errcode === 'number' ? err.errcode : undefined });
  return new WxError('FLEET_BAD_RESPONSE', { detail: `HTTP ${status}` });
}

/** An admin request answered with JSON: the server's error comes back as the same WxError, so the CLI prints it as if it were local. */
export async function adminCall<T>(home: string, method: 'GET' | 'POST', route: string, body?: unknown, o: AdminCallOptions = {}): Promise<T> {
  const res = await open(home, method, route, body, o);
  const status = res.statusCode ?? 0;
  const text = await readAll(res);
  if (status < 200 || status >= 300) throw failure(status, text);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new WxError('FLEET_BAD_RESPONSE', { detail: `HTTP ${status} without a JSON body` });
  }
}

/**
 * An admin request whose answer streams (the records export): written to `out` as it comes,
 * with backpressure, so any size passes in constant memory. An answer cut off half way (the
 * server failed after it started) rejects: the output is then incomplete, and says so by the
 * error rather than by looking whole.
 */
export async function adminStream(home: string, route: string, out: Writable, o: AdminCallOptions = {}): Promise<void> {
  const res = await open(home, 'GET', route, undefined, { timeoutMs: 600_000, ...o });
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw failure(status, await readAll(res));
  const cut = () => new WxError('FLEET_BAD_RESPONSE', { detail: 'the answer was cut off before its end' });
  let ended = false;
  res.once('end', () => (ended = true));
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) if (!out.write(chunk)) await drained(out);
  } catch (e) {
    if (e instanceof WxError) throw e;
    // The reader went away (`… | head`): nothing more is wanted, and the server is not at fault.
    if (out.errored || out.destroyed) {
      res.destroy();
      return;
    }
    throw cut();
  }
  if (!ended || !res.complete) throw cut();
}
