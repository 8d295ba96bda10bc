import crypto from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nullLogger, type Logger } from '../log/logger.js';
import { handleAdmin } from './admin.js';
import { FaultQueue } from './faults.js';
import { BodyTooLarge, parseJsonObject, readBody, sendJson, sendText } from './http-util.js';
import { DailyQuota } from './quota.js';
import { handleRuntime } from './runtime-handlers.js';
import { SimTokens } from './sim-tokens.js';
import { handlePlainToken, handleStableToken } from './token-handlers.js';
import { fail, newSimState, stateToJson, type Fault, type RuntimeEndpoint, type SimCall, type SimEndpoint, type SimState } from './types.js';

export type { Fault, SimState, SimProduct, SimPush, SimCall, SimStateJson, SimEndpoint } from './types.js';
export { stateToJson } from './types.js';

/** Well-known credentials so a newcomer can point the station at the sim without an account. */
export const SIM_APPID = 'wx0a1b2c3d4e5f6071';
export const SIM_APPSECRET = 'c0ffee5eed1234567890abcdef012345';

export interface WechatSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  appid?: string;
  appsecret?: string;
  /** Token lifetime; 7200 like the platform. */
  tokenTtlSec?: number;
  now?: () => number;
  /** Calls per endpoint per day before 45009; unlimited by default. */
  dailyQuota?: number;
  logger?: Logger;
  /** Answer product_id and key_version as numeric strings (Tencent's own tool does so at times). */
  idsAsStrings?: boolean;
}

export interface WechatSim {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Required as header x-sim-admin on /__sim/* routes. */
  adminToken: string;
  appid: string;
  appsecret: string;
  /** Live state: products, pushes received, every call received. */
  state: SimState;
  inject(f: Fault): void;
  clearFaults(): void;
  /** Tokens issued so far answer 42001 from now on. */
  expireTokens(): void;
  /** Tokens issued so far answer 40001 from now on. */
  revokeTokens(): void;
  /** adddevice refuses batches holding any of these ids (errcode 40097 naming the id). */
  rejectDeviceIds(ids: string[]): void;
  registerPushToken(token: string, info?: { expireAt?: number }): void;
  onPush(listener: (p: { push_token: string; msg: string }) => void): () => void;
  close(): Promise<void>;
}

const RUNTIME_PREFIX = '/wxa/business/runtime/';
const RUNTIME: readonly string[] = ['createproduct', 'registerpubkey', 'adddevice', 'bindwxaapp', 'pushappmsg'];

function routeOf(method: string | undefined, path: string): SimEndpoint | undefined {
  if (method === 'GET' && path === '/cgi-bin/token') return 'token';
  if (method === 'POST' && path === '/cgi-bin/stable_token') return 'stable_token';
  if (method === 'POST' && path.startsWith(RUNTIME_PREFIX)) {
    const name = path.slice(RUNTIME_PREFIX.length);
    if (RUNTIME.includes(name)) return name as RuntimeEndpoint;
  }
  return undefined;
}

/**
 * A stand-in for the WMPF backend on 127.0.0.1: the same URLs, token rules and errcodes, plus
 * faults a test can inject. It prints nothing; whoever starts it decides what to show.
 */
export async function startWechatSim(opts: WechatSimOptions = {}): Promise<WechatSim> {
  const now = opts.now ?? Date.now;
  const logger = opts.logger ?? nullLogger;
  const creds = { appid: opts.appid ?? SIM_APPID, appsecret: opts.appsecret ?? SIM_APPSECRET };
  const state = newSimState();
  const tokens = new SimTokens(opts.tokenTtlSec ?? 7200, now);
  const quota = new DailyQuota(opts.dailyQuota, now);
  const faults = new FaultQueue();
  const listeners = new Set<(p: { push_token: string; msg: string }) => void>();
  const timers = new Set<NodeJS.Timeout>();
  const adminToken = crypto.randomBytes(24).toString('hex');

  const notifyPush = (p: { push_token: string; msg: string }) => {
    for (const l of listeners) {
      try {
        l(p);
      } catch {
        // A test's listener throwing must not turn into a platform error for the client.
      }
    }
  };

  const answerFor = (endpoint: SimEndpoint, url: URL, body: Record<string, unknown>): Record<string, unknown> => {
    if (endpoint === 'token' || endpoint === 'stable_token') {
      if (!quota.take(endpoint)) return fail(45009, 'reach max api daily quota limit');
      return endpoint === 'token' ? handlePlainToken(url.searchParams, creds, tokens) : handleStableToken(body, creds, tokens);
    }
    const rejected = tokens.check(url.searchParams.get('access_token'));
    if (rejected === 41001) return fail(41001, 'access_token missing');
    if (rejected === 40001) return fail(40001, 'invalid credential, access_token is invalid or not latest');
    if (rejected === 42001) return fail(42001, 'access_token expired');
    if (!quota.take(endpoint)) return fail(45009, 'reach max api daily quota limit');
    return handleRuntime(endpoint, body, { state, now, idsAsStrings: opts.idsAsStrings ?? false, onPush: notifyPush });
  };

  // The call log keeps what a test wants to assert on, never a secret: tokens ride in the URL
  // and are not recorded, the AppSecret is masked.
  const loggedBody = (endpoint: SimEndpoint, url: URL, body: Record<string, unknown> | undefined): unknown => {
    if (endpoint === 'token') return { grant_type: url.searchParams.get('grant_type'), appid: url.searchParams.get('appid') };
    if (endpoint === 'stable_token' && body) return { ...body, ...('secret' in body ? { secret: '***' } : {}) };
    return body;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/__sim/')) return handleAdmin(req, res, url.pathname, controls);
    const endpoint = routeOf(req.method, url.pathname);
    if (!endpoint) return sendText(res, 404, 'not found');
    const raw = await readBody(req);
    const body = req.method === 'POST' ? parseJsonObject(raw) : {};
    const call: SimCall = { endpoint, body: loggedBody(endpoint, url, body), time: now() };
    state.calls.push(call);
    const fault = faults.take(endpoint);
    if (fault) call.fault = fault.kind;
    logger.debug('sim.request', { endpoint, fault: fault?.kind });

    if (fault?.kind === 'drop-before') return void req.socket.destroy();
    if (fault?.kind === 'http') return sendText(res, fault.status, `<html><body>${fault.status}</body></html>`, 'text/html');
    if (fault?.kind === 'garbage') return sendText(res, 200, '<html><body>upstream says hi</body></html>', 'text/html');
    if (fault?.kind === 'json') {
      if (typeof fault.body.errcode === 'number') call.errcode = fault.body.errcode;
      return sendJson(res, 200, fault.body);
    }
    if (fault?.kind === 'errcode') {
      call.errcode = fault.errcode;
      return sendJson(res, 200, fail(fault.errcode, fault.errmsg ?? `simulated errcode ${fault.errcode}`));
    }

    const answer = body === undefined ? fail(47001, 'data format error') : answerFor(endpoint, url, body);
    call.errcode = typeof answer.errcode === 'number' ? answer.errcode : 0;
    if (fault?.kind === 'drop') return void req.socket.destroy();
    if (fault?.kind === 'delay') {
      const t = setTimeout(() => {
        timers.delete(t);
        sendJson(res, 200, answer);
      }, fault.ms);
      timers.add(t);
      return;
    }
    sendJson(res, 200, answer);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof BodyTooLarge) return sendText(res, 413, 'too large');
      logger.error('sim.failed', { detail: e instanceof Error ? e.message : String(e) });
      sendText(res, 500, 'sim error');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const controls = {
    adminToken,
    stateJson: () => stateToJson(state),
    inject: (f: Fault) => faults.inject(f),
    clearFaults: () => faults.clear(),
    expireTokens: () => tokens.expireAll(),
    revokeTokens: () => tokens.revokeAll(),
    issuedTokens: () => tokens.all(),
    rejectDeviceIds: (ids: string[]) => ids.forEach((d) => state.rejectDeviceIds.add(d)),
    registerPushToken: (token: string, info: { expireAt?: number } = {}) => void state.pushTokens.set(token, info),
    pushesFor: (token: string, after: number) => state.pushes.filter((p) => p.push_token === token).slice(after),
  };

  const { stateJson: _internal, pushesFor: _route, ...simControls } = controls;
  return {
    url: `http://127.0.0.1:${port}`,
    ...simControls,
    appid: creds.appid,
    appsecret: creds.appsecret,
    state,
    onPush(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
