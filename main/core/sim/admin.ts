import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFault } from './faults.js';
import { parseJsonObject, readBody, sendJson } from './http-util.js';
import type { Fault, SimPush, SimStateJson } from './types.js';

/** What the admin routes may do to a running simulator. */
export interface AdminControls {
  adminToken: string;
  stateJson(): SimStateJson;
  inject(f: Fault): void;
  clearFaults(): void;
  expireTokens(): void;
  revokeTokens(): void;
  issuedTokens(): string[];
  rejectDeviceIds(ids: string[]): void;
  registerPushToken(token: string, info?: { expireAt?: number }): void;
  /** The pushes sent to one token, from its `after`-th on (0-based, in arrival order). */
  pushesFor(token: string, after: number): SimPush[];
}

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
};

/**
 * /__sim/* routes, so that a test or script in another process can drive the simulator.
 * They sit behind a random admin token because the sim hands out state that includes
 * push tokens, and any local process can reach a loopback port.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, c: AdminControls): Promise<void> {
  const given = req.headers['x-sim-admin'];
  if (typeof given !== 'string' || !sameSecret(given, c.adminToken)) {
    sendJson(res, 403, { error: 'x-sim-admin header missing or wrong' });
    return;
  }
  const route = `${req.method} ${path}`;
  const body = req.method === 'POST' ? parseJsonObject(await readBody(req)) : {};
  if (body === undefined) {
    sendJson(res, 400, { error: 'body must be a JSON object' });
    return;
  }
  switch (route) {
    case 'GET /__sim/state':
      sendJson(res, 200, c.stateJson());
      return;
    case 'POST /__sim/faults': {
      const f = parseFault(body);
      if (typeof f === 'string') sendJson(res, 400, { error: f });
      else {
        c.inject(f);
        sendJson(res, 200, { ok: true });
      }
      return;
    }
    case 'DELETE /__sim/faults':
      c.clearFaults();
      sendJson(res, 200, { ok: true });
      return;
    case 'GET /__sim/tokens':
      sendJson(res, 200, c.issuedTokens());
      return;
    case 'POST /__sim/expire-tokens':
      c.expireTokens();
      sendJson(res, 200, { ok: true });
      return;
    case 'POST /__sim/revoke-tokens':
      c.revokeTokens();
      sendJson(res, 200, { ok: true });
      return;
    case 'POST /__sim/reject-device-ids': {
      if (!Array.isArray(body.ids) || !body.ids.every((x) => typeof x === 'string')) {
        sendJson(res, 400, { error: 'ids must be an array of strings' });
        return;
      }
      c.rejectDeviceIds(body.ids as string[]);
      sendJson(res, 200, { ok: true });
      return;
    }
    case 'POST /__sim/push-tokens': {
      if (typeof body.token !== 'string' || body.token === '') {
        sendJson(res, 400, { error: 'token is required' });
        return;
      }
      const expireAt = typeof body.expireAt === 'number' ? body.expireAt : undefined;
      c.registerPushToken(body.token, { expireAt });
      sendJson(res, 200, { ok: true });
      return;
    }
    case 'GET /__sim/pushes': {
      // For a simulated unit in another process: its pushes, polled with after = how many it has seen.
      const q = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
      const token = q.get('token');
      const after = q.get('after') ?? '0';
      if (!token || !/^\d{1,9}$/.test(after)) {
        sendJson(res, 400, { error: 'token is required; after must be a whole number' });
        return;
      }
      const pushes = c.pushesFor(token, Number(after));
      sendJson(res, 200, { pushes, next: Number(after) + pushes.length });
      return;
    }
    default:
      sendJson(res, 404, { error: `no admin route ${route}` });
  }
}
