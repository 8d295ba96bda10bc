import https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { nullLogger } from '../../main/core/log/logger.js';
import type { ServerDb } from '../../main/core/server/db/server-db.js';
import { UPLINK_CONCURRENCY } from '../../main/core/server/fleet/uplink.js';
import { Router } from '../../main/core/server/http/router.js';
import { startHttpsServer, type RunningHttpsServer } from '../../main/core/server/http/server.js';
import { stationRoutes, type StationRouteDeps } from '../../main/core/server/routes/station-routes.js';
import { selfSigned } from '../helpers/fleet-double.js';

// POST /v1/uplink, through the real HTTPS front: at most UPLINK_CONCURRENCY batches go into the
// store at once; the rest wait, authenticated, with their bodies not yet read; all are taken.

const row = (i: number) => ({ row_id: i, version: 1, kind: 'device', product_id: 1001, device_id: `D${i}`, status: 'allocated', created_at: '2026-12-01T00:00:00.000Z' });

let server: RunningHttpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function post(port: number, certPem: string, body: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/v1/uplink', method: 'POST', ca: certPem, agent: false, headers: { authorization: 'Bearer good', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('POST /v1/uplink', () => {
  it(`takes at most ${UPLINK_CONCURRENCY} batches at once, the rest waiting before their bodies are read, and every batch in the end`, async () => {
    let inStore = 0;
    let peak = 0;
    let bodiesRead = 0;
    const release: (() => void)[] = [];
    const db = {
      kind: 'postgres',
      // The batch's transaction: held open until the test lets it go.
      async transaction<T>(): Promise<T> {
        peak = Math.max(peak, ++inStore);
        await new Promise<void>((r) => release.push(r));
        inStore--;
        return { accepted: 1, duplicates: 0, conflicts: [] } as T;
      },
    } as unknown as ServerDb;
    const deps = { db, now: () => new Date(), log: nullLogger, onUplink: () => bodiesRead++ } as unknown as StationRouteDeps;
    const router = new Router().add(...stationRoutes(deps).filter((r) => r.path === '/v1/uplink'));
    // Count a body as read when the route's handler gets it.
    const route = router.match('POST', '/v1/uplink');
    if ('none' in route) throw new Error('no route');
    const handle = route.route.handle.bind(route.route);
    let handled = 0;
    route.route.handle = (ctx) => {
      handled++;
      return handle(ctx);
    };
    const tls = await selfSigned();
    server = await startHttpsServer({
      ...tls,
      router,
      adminToken: 'x'.repeat(32),
      authenticateStation: async (c) => {
        if (c !== 'good') throw new Error('bad credential');
        return { code: 'A1' } as never;
      },
      log: nullLogger,
      host: '127.0.0.1',
      port: 0,
    });
    const batches = UPLINK_CONCURRENCY * 3;
    const answers = Array.from({ length: batches }, (_, i) => post(server!.port, tls.certPem, JSON.stringify({ rows: [row(i + 1)] })));
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(() => inStore === UPLINK_CONCURRENCY);
    // Give the others every chance to get in (they must not).
    await new Promise((r) => setTimeout(r, 200));
    expect(inStore).toBe(UPLINK_CONCURRENCY);
    expect(handled).toBe(UPLINK_CONCURRENCY);
    let taken = 0;
    while (taken < batches) {
      await until(() => release.length > 0);
      const go = release.splice(0);
      taken += go.length;
      for (const r of go) r();
      expect(inStore).toBeLessThanOrEqual(UPLINK_CONCURRENCY);
    }
    const all = await Promise.all(answers);
    expect(all.map((a) => a.status)).toEqual(Array(batches).fill(200));
    expect(all.map((a) => (a.body as { accepted: number }).accepted)).toEqual(Array(batches).fill(1));
    expect(peak).toBe(UPLINK_CONCURRENCY);
    expect(bodiesRead).toBe(batches);
  });
});
