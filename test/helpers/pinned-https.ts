import crypto from 'node:crypto';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import tls from 'node:tls';

export interface RawAnswer {
  status: number;
  json: any;
  text: string;
  headers: IncomingHttpHeaders;
}

/**
 * One HTTPS request the way a station makes it, written out by hand for the tests (not the
 * product's client): a TLS handshake that trusts nothing, the server's certificate compared
 * with the pinned fingerprint (SHA-256 of its DER), and only then the request, on that same
 * connection. A certificate that does not match rejects before a byte of the request is sent.
 */
export function pinnedRequest(url: string, fingerprint: string, method: string, path: string, o: { bearer?: string; body?: unknown; rawBody?: Buffer; headers?: Record<string, string>; localAddress?: string } = {}): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    // localAddress: another loopback address (127.0.0.2) is another client to the server's
    // per-address limits. tls.connect hands it to net.connect; its type does not list it.
    const socket = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false, localAddress: o.localAddress } as tls.ConnectionOptions);
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const der = socket.getPeerCertificate(true).raw;
      const seen = crypto.createHash('sha256').update(der).digest('hex');
      if (seen !== fingerprint.toLowerCase()) {
        socket.destroy();
        return reject(Object.assign(new Error(`pinned ${fingerprint}, server presented ${seen}`), { code: 'PIN_MISMATCH', seen }));
      }
      const payload = o.rawBody ?? (o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body)));
      const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
      if (o.bearer) headers.authorization = `Bearer ${o.bearer}`;
      if (payload) {
        headers['content-type'] ??= 'application/json';
        headers['content-length'] = String(payload.length);
      }
      // No agent: the request goes on this socket, whose certificate was just checked.
      const req = https.request({ method, path, headers, createConnection: () => socket }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, json, text, headers: res.headers });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  });
}
