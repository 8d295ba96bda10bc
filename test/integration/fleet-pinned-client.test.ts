import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetClient } from '../../main/core/fleet/client.js';
import { fetchServerCert } from '../../main/core/fleet/pinned-tls.js';
import { caught } from '../helpers/caught.js';
import { FleetDouble, selfSigned } from '../helpers/fleet-double.js';

// The pinned HTTPS client against real TLS on loopback: exactly the certificate with the pinned
// fingerprint is trusted, whatever names it carries; anything else is FLEET_CERT_MISMATCH before
// a byte of the request is sent; no server is FLEET_OFFLINE; answers the station cannot use are
// FLEET_BAD_RESPONSE, errors the server names come back as their own codes.

const servers: https.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => (s.close(() => r()), s.closeAllConnections()));
});

async function serve(tls: { certPem: string; keyPem: string }, handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<string> {
  const s = https.createServer({ cert: tls.certPem, key: tls.keyPem }, handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const json = (status: number, doc: unknown) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof doc === 'string' ? doc : JSON.stringify(doc));
};

describe('the pinned client', () => {
  it('trusts the pinned certificate by its fingerprint alone: no name in it matches the address, and it is still the one', async () => {
    const tls = await selfSigned('not this host', [{ type: 'dns', value: 'factory.invalid' }]);
    let seen = 0;
    const url = await serve(tls, (req, res) => {
      seen++;
      json(200, { version: 3, host_app_id: 'wx0123456789abcdef', station: { code: 'A1' }, products: [] })(req, res);
    });
    const cert = await fetchServerCert(new URL(url));
    expect(cert.fingerprint).toBe(tls.fingerprint);
    const c = new FleetClient({ url, certPem: cert.pem, fingerprint: cert.fingerprint, credential: () => 'secret-credential' });
    try {
      expect((await c.downlink()).version).toBe(3);
      expect(seen).toBe(1);
    } finally {
      c.close();
    }
  });

  it('another certificate at the same address is FLEET_CERT_MISMATCH, and the request never reaches it', async () => {
    const pinned = await selfSigned();
    const other = await selfSigned();
    let seen = 0;
    const url = await serve(other, (req, res) => {
      seen++;
      json(200, {})(req, res);
    });
    const c = new FleetClient({ url, certPem: pinned.certPem, fingerprint: pinned.fingerprint, credential: () => 'secret-credential' });
    try {
      const e = await caught(c.downlink());
      expect(e).toMatchObject({ code: 'FLEET_CERT_MISMATCH' });
      expect(seen).toBe(0);
    } finally {
      c.close();
    }
  });

  it('a server that was replaced after the join is refused at the next exchange, nothing sent', async () => {
    const fleet = await FleetDouble.start();
    try {
      fleet.addProduct({ product_id: 1, model_name: 'M' });
      const cert = await fetchServerCert(new URL(fleet.url));
      await fleet.stop();
      await fleet.restart(await selfSigned());
      const c = new FleetClient({ url: fleet.url, certPem: cert.pem, fingerprint: cert.fingerprint, credential: () => 'secret-credential' });
      try {
        expect(await caught(c.uplink([{ row_id: 1, version: 1 }]))).toMatchObject({ code: 'FLEET_CERT_MISMATCH' });
        expect(fleet.received).toBe(0);
      } finally {
        c.close();
      }
    } finally {
      await fleet.close();
    }
  });

  it('no server is FLEET_OFFLINE; answers it cannot use are FLEET_BAD_RESPONSE; errors the server names keep their code', async () => {
    const tls = await selfSigned();
    const pin = { certPem: tls.certPem, fingerprint: tls.fingerprint, credential: () => 'secret-credential' };
    const closed = await serve(tls, json(200, {}));
    await new Promise<void>((r) => (servers.pop()!.close(() => r())));
    expect(await caught(new FleetClient({ url: closed, ...pin }).downlink())).toMatchObject({ code: 'FLEET_OFFLINE', retryable: true });
    expect(await caught(fetchServerCert(new URL(closed)))).toMatchObject({ code: 'FLEET_OFFLINE' });

    const cases: [unknown, number, string][] = [
      ['<html>login</html>', 200, 'FLEET_BAD_RESPONSE'],
      [{ version: 'one' }, 200, 'FLEET_BAD_RESPONSE'],
      [{ error: { code: 'SOMETHING_NEW' } }, 500, 'FLEET_BAD_RESPONSE'],
      [{ error: { code: 'FLEET_STATION_REVOKED' } }, 403, 'FLEET_STATION_REVOKED'],
      [{ error: { code: 'DEVICE_ID_TAKEN', params: { device_id: 'X1' } } }, 409, 'DEVICE_ID_TAKEN'],
    ];
    for (const [doc, status, code] of cases) {
      const url = await serve(tls, json(status, doc));
      const c = new FleetClient({ url, ...pin });
      try {
        const e = await caught(c.downlink());
        expect([JSON.stringify(doc), e]).toEqual([JSON.stringify(doc), expect.objectContaining({ code })]);
      } finally {
        c.close();
      }
    }
    const taken = await serve(tls, json(409, { error: { code: 'DEVICE_ID_TAKEN', params: { device_id: 'X1' } } }));
    const e = await caught(new FleetClient({ url: taken, ...pin }).sign({ product_id: 1, device_id: 'X1', request_id: 'r' }));
    expect((e as Error).message).toContain('X1');
  });

  it('sends the credential as a bearer token and never in the path', async () => {
    const tls = await selfSigned();
    let auth: string | undefined;
    let path: string | undefined;
    const url = await serve(tls, (req, res) => {
      auth = req.headers.authorization;
      path = req.url;
      json(200, { accepted: 1, duplicates: 0, conflicts: [] })(req, res);
    });
    const c = new FleetClient({ url, certPem: tls.certPem, fingerprint: tls.fingerprint, credential: () => 'secret-credential' });
    try {
      expect(await c.uplink([{ row_id: 1, version: 1 }])).toEqual({ accepted: 1, duplicates: 0, conflicts: [] });
    } finally {
      c.close();
    }
    expect(auth).toBe('Bearer secret-credential');
    expect(path).toBe('/v1/uplink');
  });
});
