import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the simulated MES behaves right now: up, answering 503, resetting every connection,
 * never answering, or `lose`: taking a report and then dropping the connection before it
 * answers (the answer lost on the way back).
 */
export type SimMesMode = 'up' | 'error' | 'reset' | 'hang' | 'lose';

export interface SimMesOptions {
  host?: string;
  port?: number;
  /** The bearer token it wants; requests without it get 401. None: any or no token. */
  token?: string;
  /** SNs it refuses at the route check, with the reason it gives. */
  rejectSn?: Record<string, string>;
  mode?: SimMesMode;
}

export interface SimMesCheck {
  body: Record<string, unknown>;
  authorization: string | undefined;
  answer: 'ok' | 'rejected' | 'error';
}

export interface SimMesDelivery {
  event_id: string;
  idempotency_key: string | undefined;
  body: Record<string, unknown>;
  /** A key it had taken before: answered 200 again, not taken twice. */
  duplicate: boolean;
}

export interface SimMes {
  url: string;
  checkUrl: string;
  reportUrl: string;
  checks: SimMesCheck[];
  /** Every report that reached it, duplicates included, in arrival order. */
  deliveries: SimMesDelivery[];
  /** Events taken, once each, in the order first taken. */
  events(): Record<string, unknown>[];
  setMode(mode: SimMesMode): void;
  reject(sn: string, reason: string): void;
  close(): Promise<void>;
}

/**
 * A factory MES on loopback for tests, the demo and `wxprov sim mes`: `POST /check` answers
 * `{"ok": true}` or `{"ok": false, "reason"}` for a refused SN; `POST /report` takes an event
 * once per `Idempotency-Key` (it must equal the event's `event_id`, else 400), a repeat is
 * answered 200 and recorded as a duplicate. Faults: 503, connection reset, no answer.
 */
export async function startSimMes(o: SimMesOptions = {}): Promise<SimMes> {
  let mode: SimMesMode = o.mode ?? 'up';
  const rejects = new Map(Object.entries(o.rejectSn ?? {}));
  const checks: SimMesCheck[] = [];
  const deliveries: SimMesDelivery[] = [];
  const taken = new Map<string, Record<string, unknown>>();
  const hanging = new Set<http.ServerResponse>();

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (mode === 'reset') return void req.socket.destroy();
      if (mode === 'hang') return void hanging.add(res);
      if (mode === 'error') return send(res, 503, { ok: false, reason: 'MES maintenance' });
      if (req.method !== 'POST') return send(res, 405, { ok: false, reason: 'POST only' });
      if (o.token && req.headers.authorization !== `Bearer ${o.token}`) return send(res, 401, { ok: false, reason: 'bad or missing token' });
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(res, 400, { ok: false, reason: 'body is not JSON' });
      }
      if (req.url === '/check') {
        const reason = typeof body.sn === 'string' ? rejects.get(body.sn) : undefined;
        checks.push({ body, authorization: req.headers.authorization, answer: reason ? 'rejected' : 'ok' });
        return send(res, 200, reason ? { ok: false, reason } : { ok: true });
      }
      if (req.url === '/report') {
        const key = req.headers['idempotency-key'] as string | undefined;
        if (!key || key !== body.event_id) return send(res, 400, { ok: false, reason: 'Idempotency-Key must equal event_id' });
        const duplicate = taken.has(key);
        deliveries.push({ event_id: String(body.event_id), idempotency_key: key, body, duplicate });
        if (!duplicate) taken.set(key, body);
        if (mode === 'lose') return void req.socket.destroy();
        return send(res, 200, { ok: true, duplicate });
      }
      send(res, 404, { ok: false, reason: 'no such route' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    checkUrl: `${url}/check`,
    reportUrl: `${url}/report`,
    checks,
    deliveries,
    events: () => [...taken.values()],
    setMode(m) {
      mode = m;
      if (m !== 'hang') {
        for (const r of hanging) r.socket?.destroy();
        hanging.clear();
      }
    },
    reject: (sn, reason) => void rejects.set(sn, reason),
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
