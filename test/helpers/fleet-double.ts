import crypto, { webcrypto, type KeyObject } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { WxError } from '../../main/core/errors/wx-error.js';
import type { ErrorCode } from '../../main/core/errors/codes.js';
import { fingerprintOfDer } from '../../main/core/fleet/fingerprint.js';
import { generateKeyPair, publicKeyPem, signDeviceId } from '../../main/core/keys/ecdsa.js';
import { parseTemplate, renderTemplate, DEFAULT_TEMPLATE } from '../../main/core/registry/template.js';

// A small factory server for the station's tests: HTTPS on 127.0.0.1 with a self-signed
// certificate made like the real server's (ECDSA P-256, not a CA, serverAuth), speaking the
// fleet protocol (ARCHITECTURE.md "The fleet protocol (v1)") from memory. It records what it was sent, can go away and
// come back on the same port (offline), and can hold an uplink answer after recording it (the
// worst moment to kill a station).

export interface DoubleProduct {
  product_id: number;
  model_name: string;
  id_template?: string;
  appids?: string[];
}

interface Station {
  code: string;
  credentialHash?: string;
  revoked: boolean;
  enrolment?: { hash: string; used: boolean };
}

interface Held {
  station: string;
  product_id: number;
  device_id: string;
  signature: string;
  key_version: number;
}

const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate like the server's: self-signed P-256, not a CA, for 127.0.0.1 and localhost. */
export async function selfSigned(
  cn = 'fleet double',
  names: { type: 'ip' | 'dns'; value: string }[] = [
    { type: 'ip', value: '127.0.0.1' },
    { type: 'dns', value: 'localhost' },
  ],
): Promise<{ certPem: string; keyPem: string; fingerprint: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: crypto.randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: cert.toString('pem') + '\n', keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n', fingerprint: fingerprintOfDer(Buffer.from(cert.rawData)) };
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly params: Record<string, string | number> = {},
  ) {
    super(code);
  }
}

export class FleetDouble {
  readonly hostAppId = 'wx0123456789abcdef';
  readonly stations = new Map<string, Station>();
  /** Every id minted or signed, by `${product}/${device}`. */
  readonly held = new Map<string, Held>();
  /** Uplinked rows by `${station}/${row_id}/${version}`. */
  readonly rows = new Map<string, Record<string, unknown>>();
  /** Rows sent again whose content differed from the first time (must stay empty). */
  readonly changedResends: string[] = [];
  /**
   * Rows the server's mark (rows with `seq`, as the real server takes them) would have got
   * wrong (must stay empty): one at or below the station's mark never taken (lost), one above it
   * taken before (doubled), or places not rising within a batch.
   */
  readonly markFaults: string[] = [];
  private readonly marks = new Map<string, number>();
  /** Every row received, duplicates included. */
  received = 0;
  readonly calls: { method: string; path: string; station?: string }[] = [];
  blockSize = 20;
  /** Every credential handed out (a test looks for them where they must not be). */
  readonly credentials: string[] = [];
  /** Called after an uplink batch was recorded and before it is answered. */
  onUplink?: (batch: number, rows: unknown[]) => Promise<void>;
  version = 1;
  private readonly products = new Map<number, DoubleProduct & { key: KeyObject; key_version: number }>();
  private readonly seqs = new Map<string, number>();
  private readonly blockRequests = new Map<string, unknown>();
  private readonly signRequests = new Map<string, unknown>();
  private readonly revoked: { product_id: number; device_id: string; reason: string }[] = [];
  private uplinkBatches = 0;
  private server!: https.Server;
  private port = 0;

  private constructor(readonly tls: { certPem: string; keyPem: string; fingerprint: string }) {}

  static async start(tls?: { certPem: string; keyPem: string; fingerprint: string }): Promise<FleetDouble> {
    const d = new FleetDouble(tls ?? (await selfSigned()));
    await d.listen();
    return d;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get fingerprint(): string {
    return this.tls.fingerprint;
  }

  addProduct(p: DoubleProduct): void {
    this.products.set(p.product_id, { ...p, key: generateKeyPair().privateKey, key_version: 1 });
    this.version++;
  }

  enroll(code: string): string {
    // Hex: a code starting with '-' would read as a flag on the command line.
    const enrolment = crypto.randomBytes(8).toString('hex');
    this.stations.set(code, { code, revoked: false, enrolment: { hash: sha(enrolment), used: false } });
    return enrolment;
  }

  revoke(code: string): void {
    this.stations.get(code)!.revoked = true;
  }

  revokeId(productId: number, deviceId: string, reason: string): void {
    this.revoked.push({ product_id: productId, device_id: deviceId, reason });
    this.version++;
  }

  /** The port goes quiet (connections cut): the station is offline. */
  async stop(): Promise<void> {
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  /** Back on the same port, with the same certificate unless another is given (a server replaced). */
  async restart(tls?: { certPem: string; keyPem: string }): Promise<void> {
    await this.listen(this.port, tls);
  }

  close(): Promise<void> {
    return this.stop();
  }

  /** Rows this double holds for a station, by `${row_id}/${version}`. */
  rowsOf(station: string): Map<string, Record<string, unknown>> {
    return new Map([...this.rows].filter(([k]) => k.startsWith(`${station}/`)).map(([k, v]) => [k.slice(station.length + 1), v]));
  }

  private listen(port = 0, tls: { certPem: string; keyPem: string } = this.tls): Promise<void> {
    this.server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => void this.handle(req, res));
    return new Promise((resolve) =>
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      }),
    );
  }

  private downlink() {
    return {
      version: this.version,
      host_app_id: this.hostAppId,
      station: { code: '', settings: { block_size: this.blockSize } },
      products: [...this.products.values()].map((p) => ({
        product_id: p.product_id,
        model_name: p.model_name,
        english_name: `P${p.product_id}`,
        chinese_name: `产品${p.product_id}`,
        default_name: `p${p.product_id}`,
        id_template: p.id_template ?? null,
        keys: [{ key_version: p.key_version, public_key_pem: publicKeyPem(p.key) }],
        appids: p.appids ?? [],
      })),
      revoked: this.revoked,
      registrations: [],
    };
  }

  private station(req: import('node:http').IncomingMessage): Station {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(auth);
    const s = m ? [...this.stations.values()].find((x) => x.credentialHash === sha(m[1])) : undefined;
    if (!s) throw new Refusal(401, 'FLEET_NOT_JOINED');
    if (s.revoked) throw new Refusal(403, 'FLEET_STATION_REVOKED');
    return s;
  }

  private async handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>) : {};
    const url = new URL(req.url ?? '/', 'https://x');
    const send = (status: number, doc: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(doc));
    };
    try {
      const route = `${req.method} ${url.pathname}`;
      if (route === 'POST /v1/join') {
        this.calls.push({ method: 'POST', path: url.pathname });
        const s = [...this.stations.values()].find((x) => x.enrolment && !x.enrolment.used && x.enrolment.hash === sha(String(body.code ?? '')));
        if (!s || (body.station !== undefined && body.station !== s.code)) throw new Refusal(403, 'FLEET_ENROL_REFUSED');
        s.enrolment!.used = true;
        const credential = crypto.randomBytes(32).toString('base64url');
        s.credentialHash = sha(credential);
        this.credentials.push(credential);
        s.revoked = false;
        const d = this.downlink();
        return send(200, { station: s.code, credential, downlink: { ...d, station: { ...d.station, code: s.code } } });
      }
      const s = this.station(req);
      this.calls.push({ method: req.method!, path: url.pathname, station: s.code });
      if (route === 'GET /v1/downlink') {
        const d = this.downlink();
        return send(200, { ...d, station: { ...d.station, code: s.code } });
      }
      if (route === 'POST /v1/blocks') return send(200, this.block(s, body));
      if (route === 'POST /v1/sign') return send(200, this.sign(s, body));
      if (route === 'POST /v1/uplink') {
        const answer = this.uplink(s, body.rows as Record<string, unknown>[]);
        const batch = ++this.uplinkBatches;
        await this.onUplink?.(batch, body.rows as unknown[]);
        return send(200, answer);
      }
      send(404, { error: new WxError('FLEET_BAD_RESPONSE', { detail: 'no such path' }).toPayload() });
    } catch (e) {
      if (e instanceof Refusal) return send(e.status, { error: new WxError(e.code, e.params).toPayload() });
      send(500, { error: { code: 'INTERNAL', message_en: String(e) } });
    }
  }

  private block(s: Station, body: Record<string, any>) {
    const key = `${s.code}/${body.request_id}`;
    const again = this.blockRequests.get(key);
    if (again) return again;
    const p = this.products.get(Number(body.product_id));
    if (!p) throw new Refusal(404, 'PRODUCT_NOT_FOUND', { product_id: body.product_id });
    const t = parseTemplate(p.id_template ?? DEFAULT_TEMPLATE);
    const seqKey = `${p.product_id}/${s.code}`;
    const ids: { device_id: string; signature: string }[] = [];
    let seq = this.seqs.get(seqKey) ?? 1;
    while (ids.length < Number(body.count ?? this.blockSize)) {
      const device_id = renderTemplate(t, { station: s.code, date: new Date(), seq: seq++ });
      if (this.held.has(`${p.product_id}/${device_id}`)) continue;
      const signature = signDeviceId(p.key, p.product_id, device_id);
      this.held.set(`${p.product_id}/${device_id}`, { station: s.code, product_id: p.product_id, device_id, signature, key_version: p.key_version });
      ids.push({ device_id, signature });
    }
    this.seqs.set(seqKey, seq);
    const block = { block_id: crypto.randomUUID(), product_id: p.product_id, key_version: p.key_version, ids };
    this.blockRequests.set(key, block);
    return block;
  }

  private sign(s: Station, body: Record<string, any>) {
    const key = `${s.code}/${body.request_id}`;
    const again = this.signRequests.get(key);
    if (again) return again;
    const p = this.products.get(Number(body.product_id));
    if (!p) throw new Refusal(404, 'PRODUCT_NOT_FOUND', { product_id: body.product_id });
    const device_id = String(body.device_id);
    const held = this.held.get(`${p.product_id}/${device_id}`);
    if (held && held.station !== s.code) throw new Refusal(409, 'DEVICE_ID_TAKEN', { device_id });
    const signature = held?.signature ?? signDeviceId(p.key, p.product_id, device_id);
    this.held.set(`${p.product_id}/${device_id}`, { station: s.code, product_id: p.product_id, device_id, signature, key_version: p.key_version });
    const answer = { device_id, signature, key_version: p.key_version };
    this.signRequests.set(key, answer);
    return answer;
  }

  private uplink(s: Station, rows: Record<string, unknown>[]) {
    let accepted = 0;
    let duplicates = 0;
    const mark = this.marks.get(s.code) ?? 0;
    let before = 0;
    for (const r of rows) {
      this.received++;
      const key = `${s.code}/${r.row_id}/${r.version}`;
      const had = this.rows.get(key);
      if (typeof r.seq === 'number') {
        if (r.seq <= before) this.markFaults.push(`${key}: seq ${r.seq} after ${before}`);
        before = r.seq;
        if (r.seq <= mark && !had) this.markFaults.push(`${key}: seq ${r.seq} at or below the mark ${mark}, never taken`);
        if (r.seq > mark && had) this.markFaults.push(`${key}: seq ${r.seq} above the mark ${mark}, taken before`);
        this.marks.set(s.code, Math.max(this.marks.get(s.code) ?? 0, r.seq));
      }
      if (had) {
        duplicates++;
        if (JSON.stringify(had) !== JSON.stringify(r)) this.changedResends.push(key);
      } else {
        this.rows.set(key, r);
        accepted++;
      }
    }
    return { accepted, duplicates, conflicts: [] };
  }
}
