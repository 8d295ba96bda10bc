import { Writable } from 'node:stream';
import { nullLogger } from '../main/core/log/logger.js';
import { searchFleet, exportFleetCsv, type FleetQuery } from '../main/core/server/dashboard/fleet-records.js';
import { migrateServerDb } from '../main/core/server/db/migrate.js';
import { openPostgres } from '../main/core/server/db/postgres.js';
import type { ServerDb } from '../main/core/server/db/server-db.js';
import { exportFleetRecords } from '../main/core/server/records/export.js';
import { onServer } from './fleet-pg.js';
import { nowS } from './timing.js';

/**
 * (b) Fleet search over a big ledger: the factory server's `devices` (its schema, by its own
 * migrations) filled in PostgreSQL with generate_series — a year of a factory's output, 100
 * stations, 20 products, each station on one product for 5,000 units at a time; 90 % verified
 * (60 % of them with an sn), 4 % failed, 5 % pre-signed and unused (no hwid), 1 % void — then
 * searched through the very functions the dashboard (`searchFleet`: its first page and the
 * next; its CSV export) and `wxprov server records` (`exportFleetRecords`) use.
 *
 * The load runs with session_replication_role = replica: the version-stamping trigger and the
 * foreign-key checks (which read the 100 stations and 20 products 10 million times) are
 * skipped, nothing the searches read. The secondary indexes are made after the rows are in,
 * from the definitions the migrations gave them (the same indexes, packed tighter than a
 * ledger that grew: a lookup goes through as many levels).
 */

export const SEARCH_STATIONS = 100;
export const SEARCH_PRODUCTS = 20;
const YEAR_S = 365 * 86_400;
const T0 = '2025-12-01T00:00:00Z';
const CHUNK = 500_000;

export interface SearchLedger {
  db: ServerDb;
  url: string;
  rows: number;
  loadSeconds: number;
  tableMb: number;
  indexMb: number;
}

/** One chunk of the ledger, rows lo..hi-1 (i: s = i mod 100 the station, k = i div 100 its unit). */
const CHUNK_SQL = `
  INSERT INTO devices (product_id, device_id, station, status, hwid, sn, signature, key_version, port, operator,
    created_at, updated_at, synced_at, last_error, void_reason, src_row, src_version, reported_at)
  SELECT 4001 + p, chr(65 + p) || 'S' || lpad((s + 1)::text, 3, '0') || lpad(k::text, 6, '0'), 'S' || lpad((s + 1)::text, 3, '0'),
    st, CASE WHEN st <> 'allocated' THEN 'HW' || upper(substr(m, 1, 16)) END,
    CASE WHEN st = 'verified' AND h % 5 < 3 THEN 'SN' || (10000000000 + i)::text END,
    'MEUCIQD' || m || 'AiEA' || reverse(m) || substr(m, 1, 13), 1, '/dev/ttyUSB' || (i % 8), 'op' || (s % 20),
    t, t + interval '40 seconds', CASE WHEN st = 'verified' THEN t + interval '5 minutes' END,
    CASE WHEN st = 'failed' THEN 'write: UNIT_TIMEOUT' END, CASE WHEN st = 'void' THEN 'erased at the station' END,
    k + 1, 3, t + interval '1 minute'
  FROM (
    SELECT i, s, k, h, md5(i::text) AS m, ((s * 7 + k / 5000) % ${SEARCH_PRODUCTS})::int AS p,
      $3::timestamptz + make_interval(secs => i::double precision * ${YEAR_S} / $4) AS t,
      CASE WHEN h < 90 THEN 'verified' WHEN h < 94 THEN 'failed' WHEN h < 99 THEN 'allocated' ELSE 'void' END AS st
    FROM (SELECT i, i % ${SEARCH_STATIONS} AS s, i / ${SEARCH_STATIONS} AS k, abs(hashint8(i)) % 100 AS h FROM generate_series($1::bigint, $2::bigint - 1) AS i) x
  ) y`;

/** A fresh database with the server's schema and `rows` ledger rows. */
export async function buildSearchLedger(url: string, rows: number, log: (m: string) => void): Promise<SearchLedger> {
  const db = await openPostgres(url, { log: nullLogger, max: 4 });
  try {
    await migrateServerDb(db);
    await db.query(
      `INSERT INTO stations (code, state, credential_hash, enrolled_at, enrolled_by, joined_at)
       SELECT 'S' || lpad(n::text, 3, '0'), 'joined', md5(n::text) || md5('c' || n), $1::timestamptz, 'bench', $1::timestamptz FROM generate_series(1, ${SEARCH_STATIONS}) AS n`,
      [T0],
    );
    await db.query(
      `INSERT INTO products (product_id, english_name, model_name, id_template, origin, created_at, created_by)
       SELECT 4000 + n, 'Bench ' || n, 'BENCH-' || n, chr(64 + n) || '{station}{seq:6}', 'recorded', $1::timestamptz, 'bench' FROM generate_series(1, ${SEARCH_PRODUCTS}) AS n`,
      [T0],
    );
    const start = nowS();
    await onServer(url, async (c) => {
      // The ledger's own indexes, as its migrations made them: dropped for the load and made
      // again after it from their definitions (sorted builds, many times faster than 10 million
      // rows into 8 indexes one by one). The key and (product, id) stay: foreign keys need it.
      const indexes = (
        await c.query<{ name: string; def: string }>(
          `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = 'devices'::regclass AND NOT x.indisprimary AND NOT x.indisunique`,
        )
      ).rows;
      for (const ix of indexes) await c.query(`DROP INDEX ${ix.name}`);
      // Two connections (two cores), each taking the next chunk.
      let next = 0;
      let done = 0;
      await Promise.all(
        [0, 1].map(() =>
          onServer(url, async (l) => {
            await l.query("SET session_replication_role = 'replica'");
            for (let lo = next; lo < rows; lo = next) {
              next += CHUNK;
              const hi = Math.min(rows, lo + CHUNK);
              await l.query(CHUNK_SQL, [lo, hi, T0, rows]);
              done += hi - lo;
              log(`(b) ledger: ${done.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows (${(nowS() - start).toFixed(0)} s)`);
            }
          }),
        ),
      );
      for (const ix of indexes) {
        await c.query(ix.def);
        log(`(b) ledger: index ${ix.name} made again (${(nowS() - start).toFixed(0)} s)`);
      }
      await c.query('VACUUM ANALYZE devices');
    });
    const loadSeconds = nowS() - start;
    const size = (await db.query<{ t: number; i: number }>("SELECT pg_table_size('devices')::bigint AS t, pg_indexes_size('devices')::bigint AS i")).rows[0];
    return { db, url, rows, loadSeconds, tableMb: size.t / 1048576, indexMb: size.i / 1048576 };
  } catch (e) {
    await db.close();
    throw e;
  }
}

export interface SearchCase {
  key: string;
  label: string;
  /** One run with the i-th sample; resolves with rows found (checked > 0). */
  run(i: number): Promise<number>;
  goal: boolean;
}

export interface SearchTiming {
  medianMs: number;
  maxMs: number;
  rows: number;
  runs: number;
}

interface Sample {
  device_id: string;
  hwid: string;
  sn: string;
  station: string;
  created_at: string;
}

/** A day as the dashboard asks for it: [00:00, next 00:00) UTC. */
function dayOf(iso: string): { from: string; to: string } {
  const d = new Date(iso.slice(0, 10) + 'T00:00:00.000Z');
  return { from: d.toISOString(), to: new Date(d.getTime() + 86_400_000).toISOString() };
}

/** A sink that takes the export's header and first page, then stops it (the time to the first page is what an operator waits for). */
class FirstPage extends Writable {
  writes = 0;
  rows = 0;
  constructor() {
    super({ decodeStrings: false });
  }
  override _write(chunk: unknown, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.writes++;
    if (this.writes >= 2) this.rows = String(chunk).split('\r\n').length - 1;
    cb(this.writes >= 2 ? new Error('first page') : null);
  }
}

/** Everything written, counted and thrown away. */
class Drain extends Writable {
  override _write(_chunk: unknown, _enc: BufferEncoding, cb: () => void): void {
    cb();
  }
}

async function firstExportPage(fn: (out: Writable) => Promise<number>): Promise<number> {
  const out = new FirstPage();
  out.on('error', () => {}); // the stop is ours: the export sees it as a failed write
  try {
    await fn(out);
  } catch (e) {
    if ((e as Error).message !== 'first page') throw e;
  }
  return out.rows;
}

/** Samples spread over the ledger (TABLESAMPLE, repeatable): ids, units and days that exist. */
export async function searchCases(db: ServerDb, runs: number): Promise<SearchCase[]> {
  const samples = (
    await db.query<Sample>(
      `SELECT device_id, hwid, sn, station, created_at FROM devices TABLESAMPLE SYSTEM (1) REPEATABLE (7)
       WHERE hwid IS NOT NULL AND sn IS NOT NULL ORDER BY hashtext(device_id) LIMIT $1`,
      [runs],
    )
  ).rows;
  if (samples.length < runs) throw new Error(`only ${samples.length} sample rows for ${runs} runs`);
  const last = (await db.query<{ at: string }>('SELECT max(created_at) AS at FROM devices')).rows[0].at;
  const search = (q: FleetQuery) => searchFleet(db, q).then((p) => p.rows.length);
  return [
    { key: 'device_id', label: 'by device id (exact)', goal: true, run: (i) => search({ device_id: samples[i].device_id }) },
    { key: 'hwid', label: 'by hwid', goal: true, run: (i) => search({ hwid: samples[i].hwid }) },
    { key: 'sn', label: 'by sn', goal: true, run: (i) => search({ sn: samples[i].sn }) },
    { key: 'station', label: 'by station, newest page', goal: true, run: (i) => search({ station: samples[i].station.toLowerCase() }) },
    {
      key: 'station_next',
      label: 'by station, the page after',
      goal: true,
      run: async (i) => {
        const first = await searchFleet(db, { station: samples[i].station });
        return search({ station: samples[i].station, cursor: first.next! });
      },
    },
    { key: 'day', label: 'by day, newest page', goal: true, run: (i) => search(dayOf(samples[i].created_at)) },
    { key: 'station_day', label: 'by station and day', goal: true, run: (i) => search({ station: samples[i].station, ...dayOf(samples[i].created_at) }) },
    { key: 'id_prefix', label: 'by device id prefix (a station\'s run)', goal: false, run: (i) => search({ device_id: samples[i].device_id.slice(0, 5) + '*' }) },
    {
      key: 'records_station',
      label: '`server records --station`, first page',
      goal: false,
      run: (i) => firstExportPage((out) => exportFleetRecords(db, { station: samples[i].station }, 'csv', out)),
    },
    {
      key: 'records_day',
      label: '`server records --since <day>`, first page',
      goal: false,
      run: (i) => firstExportPage((out) => exportFleetRecords(db, { since: dayOf(samples[i].created_at).from }, 'csv', out)),
    },
    {
      key: 'records_station_today',
      label: '`server records --station --since <last day>`, whole',
      goal: true,
      run: (i) => exportFleetRecords(db, { station: samples[i].station, since: dayOf(last).from }, 'csv', new Drain()),
    },
    {
      key: 'dashboard_csv_station_day',
      label: 'dashboard CSV of a station\'s day, whole',
      goal: true,
      run: (i) => exportFleetCsv(db, { station: samples[i].station, ...dayOf(samples[i].created_at) }, new Drain()),
    },
  ];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Each run with another sample; every one must find something. */
export async function timeCase(c: SearchCase, runs: number): Promise<SearchTiming> {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const t = nowS();
    const n = await c.run(i);
    times.push((nowS() - t) * 1000);
    if (n === 0) throw new Error(`${c.key}: run ${i + 1} found nothing`);
    rows += n;
  }
  return { medianMs: median(times), maxMs: Math.max(...times), rows: Math.round(rows / runs), runs };
}
