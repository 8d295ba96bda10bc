import crypto from 'node:crypto';
import https from 'node:https';
import pg from 'pg';
import { endpoint, pinnedIdentity, serverName } from '../main/core/fleet/pinned-tls.js';
import { parseUplinkAnswer, UPLINK_PENDING_HEADER } from '../main/core/fleet/protocol.js';
import { UPLINK_BATCH } from '../main/core/fleet/uplink.js';
import { nullLogger } from '../main/core/log/logger.js';
import { migrateServerDb } from '../main/core/server/db/migrate.js';
import { openPostgres } from '../main/core/server/db/postgres.js';
import { UPLINK_CONCURRENCY, ingestUplink } from '../main/core/server/fleet/uplink.js';
import { Gate } from '../main/core/util/gate.js';
import { parseUplinkRows } from '../main/core/server/fleet/uplink-rows.js';
import { copyField, copyIn, onServer } from './fleet-pg.js';
import { enrollAndJoin, type ServerProc } from './fleet-server.js';
import { nowS } from './timing.js';

/**
 * (a) The uplink's ingest: stations that were cut off for a while each drain a backlog of
 * ledger changes into the real server (`POST /v1/uplink` over pinned HTTPS with each station's
 * credential, as its FleetClient calls it, UPLINK_BATCH (2,000) rows a request as `sendUplink` sends them, one
 * request at a time per station, every station at once), against a bare COPY of the same rows
 * in the same cluster. Both take their bytes made beforehand: what is timed is the server and
 * PostgreSQL, not the making of test data (nor the stations' CPU, which is not the server's).
 *
 * The rows are what a fleet station's triggers queue (fleet_uplink payloads): per unit taken
 * from a block, `allocated` with its hwid, `written`, `verified` (half with an sn); 10 % of
 * the verified also a push-test result; 5 % `failed` instead; 1 % failed and then voided. The
 * ids were minted by the server beforehand, in blocks of 1,000 (a fleet id always is: a
 * block or online signing writes its ledger row before any station uses it), with their
 * registrations done, so the uplink fills in rows the ledger already holds, as in a factory.
 */

export const PRODUCTS = [3001, 3002, 3003, 3004, 3005];
const LETTERS = 'ABCDE';
const T_BASE = Date.parse('2026-11-02T00:00:00.000Z');
const MINT_AT = '2026-11-01T20:00:00.000Z';

export const stationCode = (s: number): string => `F${String(s + 1).padStart(2, '0')}`;
const productOf = (s: number) => PRODUCTS[s % PRODUCTS.length];
const deviceId = (s: number, seq: number) => `${LETTERS[s % LETTERS.length]}${stationCode(s)}${String(seq).padStart(6, '0')}`;
/** As the server's block signs it: 64 bytes, base64 (88 characters). The same in SQL below. */
const signature = (id: string) => crypto.createHash('sha512').update(id).digest('base64');
const hash32 = (s: number, k: number) => crypto.createHash('md5').update(`${s}/${k}`).digest().readUInt32BE(0);

export interface UplinkRowDoc {
  row_id: number;
  version: number;
  kind: 'device' | 'unit_test' | 'void';
  product_id: number;
  device_id: string;
  status: string;
  hwid: string | null;
  sn: string | null;
  signature: string;
  key_version: number;
  station: string;
  port: string;
  operator: string;
  created_at: string;
  updated_at: string;
  last_error: string | null;
  test?: { test: string; result: 'PASS' | 'FAIL'; detail: string | null; at: string; port: string };
}

/** One unit's changes, in the order its station queued them. */
function unitRows(s: number, k: number): UplinkRowDoc[] {
  const code = stationCode(s);
  const seq = k + 1;
  const id = deviceId(s, seq);
  const h = hash32(s, k);
  const t0 = T_BASE + s * 7_000 + k * 12_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const base = {
    row_id: seq,
    kind: 'device' as const,
    product_id: productOf(s),
    device_id: id,
    hwid: `HW${h.toString(16).toUpperCase().padStart(8, '0')}${code}${seq}`,
    sn: null as string | null,
    signature: signature(id),
    key_version: 1,
    station: code,
    port: `/dev/ttyUSB${k % 4}`,
    operator: `op${s % 7}`,
    created_at: iso(t0),
    last_error: null as string | null,
  };
  const rows: UplinkRowDoc[] = [{ ...base, version: 1, status: 'allocated', updated_at: iso(t0) }];
  const roll = h % 100;
  if (roll < 6) {
    const err = 'write: UNIT_TIMEOUT';
    rows.push({ ...base, version: 2, status: 'failed', last_error: err, updated_at: iso(t0 + 2_000) });
    if (roll === 0) rows.push({ ...base, version: 3, kind: 'void', status: 'void', last_error: 'erased at the station', updated_at: iso(t0 + 9_000) });
    return rows;
  }
  rows.push({ ...base, version: 2, status: 'written', updated_at: iso(t0 + 1_500) });
  const sn = h % 2 === 0 ? `SN${code}${String(seq).padStart(7, '0')}` : null;
  rows.push({ ...base, version: 3, status: 'verified', sn, updated_at: iso(t0 + 2_500) });
  if (h % 10 === 3) {
    const at = iso(t0 + 4_000);
    rows.push({ ...base, version: 4, kind: 'unit_test', status: 'verified', sn, updated_at: iso(t0 + 2_500), test: { test: 'push', result: 'PASS', detail: null, at, port: base.port } });
  }
  return rows;
}

/** A station's backlog: its first `count` rows, unit after unit (the last unit may be cut short, as a backlog is). */
export function* stationRows(s: number, count: number): Generator<UplinkRowDoc> {
  let n = 0;
  for (let k = 0; n < count; k++) {
    for (const r of unitRows(s, k)) {
      if (n++ >= count) return;
      yield r;
    }
  }
}

/** How many units a station's first `count` rows touch (the ids the server minted for it). */
export function unitsFor(count: number, s: number): number {
  let n = 0;
  let k = 0;
  while (n < count) n += unitRows(s, k++).length;
  return k;
}

export interface IngestSetup {
  stations: number;
  rowsPerStation: number;
}

export interface JoinedFleet {
  stations: { s: number; code: string; credential: string }[];
}

/** Enrols and joins the stations, then mints their ids as blocks would have (straight into the store: what is measured is what comes after). */
export async function prepareIngest(server: ServerProc, databaseUrl: string, o: IngestSetup, log: (m: string) => void): Promise<JoinedFleet> {
  log(`(a) enrolling and joining ${o.stations} stations`);
  const stations: JoinedFleet['stations'] = [];
  for (let s = 0; s < o.stations; s++) {
    const j = await enrollAndJoin(server, stationCode(s));
    j.client.close();
    stations.push({ s, code: j.code, credential: j.credential });
  }
  log('(a) minting the stations\' ids (blocks of 1,000, registered) straight into the store');
  await mintIds(databaseUrl, o);
  return { stations };
}

/** The products, and each station's ids minted in blocks and registered, as the server would have done it days before. */
export async function mintIds(databaseUrl: string, o: IngestSetup): Promise<void> {
  await onServer(databaseUrl, async (c) => {
    for (const p of PRODUCTS) {
      await c.query(
        `INSERT INTO products (product_id, english_name, model_name, id_template, origin, created_at, created_by) VALUES ($1, 'Bench', $2, $3, 'recorded', $4, 'bench') ON CONFLICT DO NOTHING`,
        [p, `BENCH-${p}`, `${LETTERS[PRODUCTS.indexOf(p)]}{station}{seq:6}`, MINT_AT],
      );
    }
    for (let s = 0; s < o.stations; s++) {
      const units = unitsFor(o.rowsPerStation, s);
      const code = stationCode(s);
      const letter = LETTERS[s % LETTERS.length];
      await c.query('BEGIN');
      await c.query(
        `INSERT INTO blocks (station, product_id, request_id, key_version, count, first_seq, last_seq, first_device_id, last_device_id, created_at)
         SELECT $1, $2, 'bench-' || b, 1, least(1000, $3 - b * 1000), b * 1000 + 1, least((b + 1) * 1000, $3),
           $4 || $1 || lpad((b * 1000 + 1)::text, 6, '0'), $4 || $1 || lpad(least((b + 1) * 1000, $3)::text, 6, '0'), $5
         FROM generate_series(0, ($3 - 1) / 1000) AS b`,
        [code, productOf(s), units, letter, MINT_AT],
      );
      await c.query(
        `INSERT INTO devices (product_id, device_id, station, status, signature, key_version, created_at, updated_at, synced_at, block_id)
         SELECT $2, $4 || $1 || lpad(i::text, 6, '0'), $1, 'allocated',
           replace(encode(sha512(convert_to($4 || $1 || lpad(i::text, 6, '0'), 'UTF8')), 'base64'), E'\\n', ''), 1, $5, $5, $5, b.id
         FROM generate_series(1, $3) AS i JOIN blocks b ON b.station = $1 AND b.request_id = 'bench-' || ((i - 1) / 1000)`,
        [code, productOf(s), units, letter, MINT_AT],
      );
      await c.query(
        `UPDATE blocks b SET first_row = m.lo, last_row = m.hi
         FROM (SELECT block_id, min(id) AS lo, max(id) AS hi FROM devices WHERE station = $1 GROUP BY block_id) AS m WHERE m.block_id = b.id`,
        [code],
      );
      await c.query(
        `INSERT INTO registrations (product_id, device_id, state, attempts, created_at, updated_at, synced_at)
         SELECT product_id, device_id, 'synced', 1, $2, $2, $2 FROM devices WHERE station = $1`,
        [code, MINT_AT],
      );
      await c.query('COMMIT');
    }
    await c.query('VACUUM ANALYZE');
    await c.query('CHECKPOINT');
  });
}

export interface IngestRun {
  rows: number;
  seconds: number;
  requests: number;
  accepted: number;
  duplicates: number;
  conflicts: number;
  retries: number;
  /** Median and slowest request, ms. */
  medianMs: number;
  maxMs: number;
  serverCpuS: number | null;
  benchCpuS: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A station's backlog as the requests `sendUplink` makes of it: `{"rows": [...]}`, each row with its place in the outbox (`seq`), UPLINK_BATCH rows each, serialized before the clock starts (a station's CPU is not the server's). */
export function stationBodies(s: number, rowsPerStation: number): Buffer[] {
  const out: Buffer[] = [];
  let batch: (UplinkRowDoc & { seq: number })[] = [];
  let seq = 0;
  for (const r of stationRows(s, rowsPerStation)) {
    batch.push({ ...r, seq: ++seq });
    if (batch.length === UPLINK_BATCH) {
      out.push(Buffer.from(JSON.stringify({ rows: batch })));
      batch = [];
    }
  }
  if (batch.length) out.push(Buffer.from(JSON.stringify({ rows: batch })));
  return out;
}

/**
 * POST /v1/uplink as the station's FleetClient makes it (fleet/client.ts: a keep-alive agent
 * of 4 sockets trusting only the pinned certificate, the credential as bearer, the backlog
 * header), with a body serialized beforehand. The answer is checked with the station's parser.
 */
class UplinkSender {
  private readonly agent: https.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    server: ServerProc,
    private readonly credential: string,
  ) {
    const url = new URL(server.url);
    ({ host: this.host, port: this.port } = endpoint(url));
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: server.certPem, servername: serverName(this.host), checkServerIdentity: pinnedIdentity(server.fingerprint), rejectUnauthorized: true });
  }

  send(body: Buffer, pending: number): Promise<{ accepted: number; duplicates: number; conflicts: unknown[] }> {
    const headers = {
      accept: 'application/json',
      authorization: `Bearer ${this.credential}`,
      [UPLINK_PENDING_HEADER]: String(pending),
      'content-type': 'application/json',
      'content-length': String(body.length),
    };
    return new Promise((resolve, reject) => {
      const req = https.request({ host: this.host, port: this.port, path: '/v1/uplink', method: 'POST', headers, agent: this.agent, timeout: 15_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`), { retryable: (res.statusCode ?? 0) >= 500 }));
          try {
            resolve(parseUplinkAnswer(JSON.parse(text)));
          } catch (e) {
            reject(e);
          }
        });
      });
      // As the station: no answer in 15 s is FLEET_OFFLINE, and the worker sends the batch again.
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { retryable: true })));
      req.on('error', (e) => reject(Object.assign(e, { retryable: (e as { retryable?: boolean }).retryable ?? true })));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Every station drains its backlog at once, request after request, as `sendUplink` does; a timeout or 5xx is sent again, as the worker would, and counted. */
export async function runIngest(server: ServerProc, fleet: JoinedFleet, bodies: Buffer[][], o: IngestSetup): Promise<IngestRun> {
  const times: number[] = [];
  const r = { accepted: 0, duplicates: 0, conflicts: 0, retries: 0, requests: 0 };
  const senders = fleet.stations.map((st) => new UplinkSender(server, st.credential));
  const cpu0 = process.cpuUsage();
  const server0 = server.cpuS();
  const start = nowS();
  try {
    await Promise.all(
      fleet.stations.map(async (st, i) => {
        let pending = o.rowsPerStation;
        for (const body of bodies[i]) {
          for (let attempt = 1; ; attempt++) {
            const t = nowS();
            try {
              const a = await senders[i].send(body, pending);
              times.push((nowS() - t) * 1000);
              r.requests++;
              r.accepted += a.accepted;
              r.duplicates += a.duplicates;
              r.conflicts += a.conflicts.length;
              pending -= a.accepted + a.duplicates;
              break;
            } catch (e) {
              if (attempt >= 5 || !(e as { retryable?: boolean }).retryable) throw e;
              r.retries++;
            }
          }
        }
      }),
    );
  } finally {
    for (const x of senders) x.close();
  }
  const seconds = nowS() - start;
  const cpu = process.cpuUsage(cpu0);
  const server1 = server.cpuS();
  return {
    rows: o.stations * o.rowsPerStation,
    seconds,
    ...r,
    medianMs: median(times),
    maxMs: Math.max(...times),
    serverCpuS: server0 === null || server1 === null ? null : server1 - server0,
    benchCpuS: (cpu.user + cpu.system) / 1e6,
  };
}

/**
 * The same requests straight into the route's two calls, in this process: `parseUplinkRows`
 * of the parsed body, then `ingestUplink`, through a pool of 10 and the route's Gate as the
 * server's, one request at a time per station. What the HTTPS front (TLS, the body, the station's authentication
 * and backlog report) adds is the difference to runIngest.
 */
export async function runIngestInProcess(
  databaseUrl: string,
  o: IngestSetup,
  bodies: Buffer[][],
  pgCpuS: () => number | null,
): Promise<{ rows: number; seconds: number; cpuS: number; pgCpuS: number | null; walBytes: number }> {
  const db = await openPostgres(databaseUrl, { log: nullLogger, max: 10 });
  try {
    await migrateServerDb(db);
    await db.query(
      `INSERT INTO stations (code, state, credential_hash, enrolled_at, enrolled_by, joined_at)
       SELECT code, 'joined', encode(sha256(convert_to(code, 'UTF8')), 'hex'), $2::timestamptz, 'bench', $2::timestamptz FROM unnest($1::text[]) AS code`,
      [`{${Array.from({ length: o.stations }, (_, s) => stationCode(s)).join(',')}}`, MINT_AT],
    );
    // As enrolling them would have: each station's uplink mark at the start of its outbox.
    await db.query(`INSERT INTO uplink_marks (station, seq, updated_at) SELECT code, 0, $1::timestamptz FROM stations`, [MINT_AT]);
    await mintIds(databaseUrl, o);
    const wal0 = await walBytes(databaseUrl);
    const pg0 = pgCpuS();
    const cpu0 = process.cpuUsage();
    const gate = new Gate(UPLINK_CONCURRENCY);
    const start = nowS();
    await Promise.all(
      bodies.map(async (list, s) => {
        for (const body of list) await gate.run(() => ingestUplink(db, stationCode(s), parseUplinkRows(JSON.parse(body.toString('utf8'))), new Date().toISOString(), nullLogger));
      }),
    );
    const seconds = nowS() - start;
    const cpu = process.cpuUsage(cpu0);
    const pg1 = pgCpuS();
    return {
      rows: o.stations * o.rowsPerStation,
      seconds,
      cpuS: (cpu.user + cpu.system) / 1e6,
      pgCpuS: pg0 === null || pg1 === null ? null : pg1 - pg0,
      walBytes: (await walBytes(databaseUrl)) - wal0,
    };
  } finally {
    await db.close();
  }
}

/** WAL written so far (bytes), to tell what each way of taking the rows writes. */
export async function walBytes(databaseUrl: string): Promise<number> {
  return onServer(databaseUrl, async (c) => Number((await c.query<{ b: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS b")).rows[0].b));
}

/** What the ledger holds after the ingest, against what the rows say it must. */
export async function checkLedger(databaseUrl: string, o: IngestSetup): Promise<string> {
  const want = { verified: 0, failed: 0, void: 0, allocated: 0, tests: 0 };
  for (let s = 0; s < o.stations; s++) {
    const last = new Map<string, string>();
    for (const r of stationRows(s, o.rowsPerStation)) {
      if (r.kind === 'unit_test') want.tests++;
      else last.set(r.device_id, r.status);
    }
    for (const st of last.values()) want[st as 'verified']++;
  }
  const got = await onServer(databaseUrl, async (c) => {
    const rows = (await c.query<{ status: string; n: string }>("SELECT status, count(*) AS n FROM devices WHERE hwid IS NOT NULL GROUP BY status")).rows;
    const by = Object.fromEntries(rows.map((x) => [x.status, Number(x.n)]));
    const tests = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM unit_tests')).rows[0].n);
    // Rows taken: by receipt (rows without seq) or up to their station's mark.
    const receipts =
      Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM uplink_receipts')).rows[0].n) +
      Number((await c.query<{ n: string }>('SELECT COALESCE(sum(seq), 0) AS n FROM uplink_marks')).rows[0].n);
    return { verified: by.verified ?? 0, failed: by.failed ?? 0, void: by.void ?? 0, allocated: by.allocated ?? 0, tests, receipts };
  });
  const bad = (['verified', 'failed', 'void', 'allocated', 'tests'] as const).filter((k) => got[k] !== want[k]);
  if (got.receipts !== o.stations * o.rowsPerStation) bad.push('receipts' as never);
  if (bad.length) throw new Error(`the ledger after the ingest is not what the rows say: ${bad.map((k) => `${k} ${got[k as keyof typeof got]} (want ${want[k as keyof typeof want] ?? o.stations * o.rowsPerStation})`).join(', ')}`);
  return `ledger checked: ${got.verified} verified, ${got.failed} failed, ${got.void} void, ${got.allocated} allocated, ${got.tests} push tests, ${got.receipts} rows taken (receipts and marks)`;
}

/** The same rows as COPY text, a chunk per request's worth of rows, made before the clock starts. */
export function copyChunks(o: IngestSetup): Buffer[] {
  return [...copyText(o)].map((t) => Buffer.from(t));
}

function* copyText(o: IngestSetup): Generator<string> {
  for (let s = 0; s < o.stations; s++) {
    let text = '';
    let n = 0;
    for (const r of stationRows(s, o.rowsPerStation)) {
      text +=
        [r.station, r.row_id, r.version, r.kind, r.product_id, r.device_id, r.status, r.hwid, r.sn, r.signature, r.key_version, r.port, r.operator, r.created_at, r.updated_at, r.last_error, r.test ? JSON.stringify(r.test) : null, MINT_AT]
          .map(copyField)
          .join('\t') + '\n';
      if (++n % UPLINK_BATCH === 0) {
        yield text;
        text = '';
      }
    }
    if (text) yield text;
  }
}

const COPY_COLUMNS = `station text NOT NULL, row_id bigint NOT NULL, version integer NOT NULL, kind text NOT NULL, product_id bigint NOT NULL,
  device_id text COLLATE "C" NOT NULL, status text NOT NULL, hwid text, sn text, signature text, key_version integer, port text, operator text,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, last_error text, test jsonb, received_at timestamptz NOT NULL`;

/**
 * The ledger's indexes (server migrations 0001-0005) on the columns these rows have, and a key
 * per row (station, row, version: what the server's receipts were, before stations sent their
 * outbox place and the server kept one mark per station instead, migration 0010).
 */
const COPY_INDEXES = [
  'PRIMARY KEY (station, row_id, version)',
  'CREATE INDEX ON bench_copy (product_id, device_id)',
  'CREATE INDEX ON bench_copy (device_id)',
  'CREATE INDEX ON bench_copy (hwid) WHERE hwid IS NOT NULL',
  'CREATE INDEX ON bench_copy (sn) WHERE sn IS NOT NULL',
  'CREATE INDEX ON bench_copy (station, created_at)',
  'CREATE INDEX ON bench_copy (created_at)',
  "CREATE INDEX ON bench_copy (updated_at, station) WHERE status IN ('verified', 'failed')",
];

/**
 * A bare COPY of the same rows on one connection: into a plain table of the rows' columns with
 * the ledger's indexes (`indexed`), or with none at all (the floor of getting these bytes into
 * PostgreSQL). No triggers, no foreign keys, no upsert.
 */
export async function copyBaseline(databaseUrl: string, o: IngestSetup, chunks: Buffer[], indexed: boolean): Promise<{ rows: number; seconds: number }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query('DROP TABLE IF EXISTS bench_copy');
    await c.query(`CREATE TABLE bench_copy (${COPY_COLUMNS}${indexed ? `, ${COPY_INDEXES[0]}` : ''})`);
    if (indexed) for (const ix of COPY_INDEXES.slice(1)) await c.query(ix);
    // The ingest before it left autovacuum work behind (the ledger's updated
    // rows): done now, not during the timed COPY, which starts as the ingest did (mintIds), vacuumed
    // and checkpointed.
    await c.query('VACUUM ANALYZE');
    await c.query('CHECKPOINT');
    const start = nowS();
    const rows = await copyIn(c, 'COPY bench_copy FROM STDIN', chunks);
    const seconds = nowS() - start;
    if (rows !== o.stations * o.rowsPerStation) throw new Error(`COPY took ${rows} rows, not ${o.stations * o.rowsPerStation}`);
    await c.query('DROP TABLE bench_copy');
    return { rows, seconds };
  } finally {
    await c.end();
  }
}
