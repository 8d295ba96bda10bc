import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UPLINK_BATCH } from '../main/core/fleet/uplink.js';
import { checkLedger, copyBaseline, copyChunks, prepareIngest, runIngest, runIngestInProcess, stationBodies, walBytes, type IngestRun } from './fleet-ingest.js';
import { joinLineStation, median, runLine, type LineRun } from './fleet-line.js';
import { startBenchPg, type BenchPg } from './fleet-pg.js';
import { SEARCH_PRODUCTS, SEARCH_STATIONS, buildSearchLedger, searchCases, timeCase, type SearchLedger } from './fleet-search.js';
import { startServerProcess, startWechatSimProcess, type ServerProc, type WechatSimProc } from './fleet-server.js';
import { goal, measure, ratio, type BenchSuite, type Goal, type Metric } from './suite.js';

/**
 * The factory server's fleet, on real PostgreSQL (bench/fleet-pg.ts): (a) 50 stations
 * uplinking at once into the real `wxprov server` against a bare COPY of the same rows,
 * (b) fleet search over a 10-million-row ledger through the dashboard's and `server records`'
 * own queries, (c) a joined station's unit time with its uplink on against off.
 *
 * Sizes from the environment for a quick run: WXPROV_BENCH_FLEET_ROWS (uplink rows in all,
 * 1,000,000), WXPROV_BENCH_FLEET_STATIONS (50), WXPROV_BENCH_FLEET_SEARCH_ROWS (10,000,000),
 * WXPROV_BENCH_FLEET_UNITS (units per mode in (c), 52), WXPROV_BENCH_FLEET_SEARCH_RUNS (11).
 * WXPROV_BENCH_DATABASE_URL runs it on a PostgreSQL of your own instead of a cluster of its own.
 */

/** The COPY baseline is taken this many times, and its median compared with the ingest. */
const COPY_RUNS = 3;

export interface FleetBenchOptions {
  uplinkRows: number;
  stations: number;
  searchRows: number;
  searchRuns: number;
  lineUnits: number;
  lineRounds: number;
}

const envInt = (name: string, dflt: number, min: number): number => {
  const raw = process.env[name]?.replace(/[_,]/g, '');
  if (!raw) return dflt;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`${name}=${process.env[name]}: a whole number ≥ ${min}`);
  return v;
};

export function fleetOptions(): FleetBenchOptions {
  return {
    uplinkRows: envInt('WXPROV_BENCH_FLEET_ROWS', 1_000_000, 1_000),
    stations: envInt('WXPROV_BENCH_FLEET_STATIONS', 50, 1),
    searchRows: envInt('WXPROV_BENCH_FLEET_SEARCH_ROWS', 10_000_000, 10_000),
    searchRuns: envInt('WXPROV_BENCH_FLEET_SEARCH_RUNS', 11, 3),
    lineUnits: envInt('WXPROV_BENCH_FLEET_UNITS', 52, 4),
    lineRounds: 4,
  };
}

/** The goals. (a) is reported as measured / goal, so 1.00x is the line. */
export const INGEST_GOAL_ROWS_PER_S = 20_000;
export const INGEST_VS_COPY_GOAL = 0.5;
export const SEARCH_GOAL_MS = 50;
export const UPLINK_ON_OFF_GOAL = 1.05;

const n = (v: number) => v.toLocaleString('en-US');

interface Out {
  metrics: Metric[];
  goals: Goal[];
  info: Record<string, string | number | boolean>;
}

interface World {
  pg: BenchPg;
  sim: WechatSimProc;
  dir: string;
}

async function startServer(w: World, name: string): Promise<{ server: ServerProc; url: string }> {
  const url = await w.pg.createDatabase(name);
  const server = await startServerProcess(path.join(w.dir, name), url, {
    WXPROV_APPID: w.sim.appid,
    WXPROV_APPSECRET: w.sim.appsecret,
    WXPROV_API_BASE: w.sim.url,
    WXPROV_KEY_PASSPHRASE: 'bench-only server passphrase',
    WXPROV_ADMIN_PASSWORD: 'bench-only dashboard password',
    WXPROV_OPERATOR: 'bench',
  });
  return { server, url };
}

/** (a) the uplink's ingest against COPY. */
async function ingestPhase(w: World, o: FleetBenchOptions, log: (m: string) => void, out: Out): Promise<void> {
  const setup = { stations: o.stations, rowsPerStation: Math.ceil(o.uplinkRows / o.stations) };
  const rows = setup.stations * setup.rowsPerStation;
  let run: IngestRun | undefined;
  let pgCpu: number | null = null;
  let checked = '';
  let wal = 0;
  let bodies: Buffer[][] = [];
  const name = 'wxprov_bench_ingest';
  const { server, url } = await startServer(w, name);
  let ingest: Metric;
  try {
    ingest = await measure({ key: 'ingest_rows_per_s', label: `(a) uplink ingest, ${o.stations} stations at once`, unit: 'rows/s' }, async () => {
      const fleet = await prepareIngest(server, url, setup, log);
      log(`(a) serializing ${n(rows)} rows as the stations' requests (${n(UPLINK_BATCH)} rows each)`);
      bodies = fleet.stations.map((st) => stationBodies(st.s, setup.rowsPerStation));
      log(`(a) ${o.stations} stations send ${n(rows)} rows to POST /v1/uplink at once`);
      const pg0 = w.pg.cpuS();
      const wal0 = await walBytes(url);
      run = await runIngest(server, fleet, bodies, setup);
      wal = (await walBytes(url)) - wal0;
      const pg1 = w.pg.cpuS();
      pgCpu = pg0 === null || pg1 === null ? null : pg1 - pg0;
      checked = await checkLedger(url, setup);
      return run.rows / run.seconds;
    });
    if (run) {
      const r = run;
      const us = (s: number | null) => (s === null ? 'n/a' : `${Math.round((s * 1e6) / r.rows)}`);
      ingest.note = `${n(r.rows)} rows in ${r.seconds.toFixed(1)} s, ${n(r.requests)} requests (median ${Math.round(r.medianMs)} ms, slowest ${Math.round(r.maxMs)} ms), ${r.retries} resent, ${r.duplicates} duplicates, ${r.conflicts} conflicts; CPU µs a row: server ${us(r.serverCpuS)}, PostgreSQL ${us(pgCpu)}, stations ${us(r.benchCpuS)}; WAL ${Math.round(wal / r.rows)} bytes a row; ${checked}`;
    }
  } finally {
    await server.stop();
  }
  out.metrics.push(ingest);
  const ingestRate = ingest.value;
  // The route's own calls on the same requests, with no HTTPS in front, on a store of their own.
  const fnName = 'wxprov_bench_ingest_fn';
  let fnNote = '';
  const fn = await measure({ key: 'ingest_fn_rows_per_s', label: '    the same requests, parseUplinkRows + ingestUplink in-process', unit: 'rows/s' }, async () => {
    if (bodies.length === 0) throw new Error('no requests: the ingest above failed');
    log(`(a) the same ${n(rows)} rows through parseUplinkRows + ingestUplink in this process (no HTTPS)`);
    const fnUrl = await w.pg.createDatabase(fnName);
    const r = await runIngestInProcess(fnUrl, setup, bodies, () => w.pg.cpuS());
    const us = (x: number | null) => (x === null ? 'n/a' : Math.round((x * 1e6) / r.rows));
    fnNote = `${r.seconds.toFixed(1)} s, a pool of 10 as the server's; CPU µs a row: this process ${us(r.cpuS)}, PostgreSQL ${us(r.pgCpuS)}; WAL ${Math.round(r.walBytes / r.rows)} bytes a row`;
    return r.rows / r.seconds;
  });
  if (fnNote) fn.note = fnNote;
  await w.pg.dropDatabase(fnName);
  bodies = [];
  // The same rows, COPYed with the server stopped, from chunks made before the clock starts.
  log(`(a) the same ${n(rows)} rows by COPY: into a plain table with the ledger's indexes, then with none`);
  const chunks = copyChunks(setup);
  let copyWal = 0;
  const copyRates: number[] = [];
  // The median of three: a single COPY's rate moved by a third from run to run on a 2-core machine.
  const indexed = await measure({ key: 'copy_rows_per_s', label: '    bare COPY, the ledger\'s indexes', unit: 'rows/s' }, async () => {
    for (let i = 0; i < COPY_RUNS; i++) {
      const wal0 = await walBytes(url);
      const c = await copyBaseline(url, setup, chunks, true);
      copyWal = (await walBytes(url)) - wal0;
      copyRates.push(c.rows / c.seconds);
    }
    return median(copyRates);
  });
  indexed.note = `median of ${copyRates.length} (${copyRates.map((x) => n(Math.round(x))).join(', ')}), one connection, COPY FROM STDIN into a plain table of the rows' columns with the ledger's indexes and a key per row (station, row, version); no triggers, no keys, no upsert; WAL ${Math.round(copyWal / rows)} bytes a row`;
  const bare = await measure({ key: 'copy_bare_rows_per_s', label: '    bare COPY, no index', unit: 'rows/s', note: 'the floor: the same rows into the same table without any index' }, async () => {
    const c = await copyBaseline(url, setup, chunks, false);
    return c.rows / c.seconds;
  });
  await w.pg.dropDatabase(name);
  out.metrics.push(fn, indexed, bare, { key: 'ingest_vs_copy', label: '    ingest / bare COPY (indexed)', value: ratio(ingestRate, indexed.value), unit: 'x', note: `in-process (no HTTPS): ${ratio(fn.value, indexed.value)?.toFixed(2) ?? 'n/a'}x` });
  out.goals.push(
    goal('ingest_vs_goal', `(a) uplink rows/s / ${n(INGEST_GOAL_ROWS_PER_S)}`, ratio(ingestRate, INGEST_GOAL_ROWS_PER_S), '>=', 1),
    goal('ingest_vs_copy', '(a) uplink rows/s / bare COPY rows/s (indexed)', ratio(ingestRate, indexed.value), '>=', INGEST_VS_COPY_GOAL),
  );
}

/** (c) the unit time with the uplink on and off. */
async function linePhase(w: World, o: FleetBenchOptions, log: (m: string) => void, out: Out): Promise<void> {
  const name = 'wxprov_bench_line';
  const { server } = await startServer(w, name);
  let run: LineRun | undefined;
  const lo = { units: o.lineUnits, rounds: o.lineRounds, baud: 115200, commitMs: 100, intervalMs: 1000 };
  try {
    const off = await measure({ key: 'unit_ms_uplink_off', label: '(c) unit time, uplink off', unit: 'ms' }, async () => {
      const station = await joinLineStation(server, path.join(w.dir, 'station'));
      run = await runLine(w.dir, station, lo, log);
      return median(run.off.map((u) => u.ms));
    });
    if (run) off.note = `median of ${run.off.length} units (HELLO to recorded PASS) at ${lo.baud} baud, ${lo.commitMs} ms COMMIT; no FleetWorker, the rows only queue`;
    const on: Metric = { key: 'unit_ms_uplink_on', label: '(c) unit time, uplink on', unit: 'ms', value: run ? median(run.on.map((u) => u.ms)) : null };
    if (run) on.note = `median of ${run.on.length} units in the same ${lo.rounds} rounds, alternating; FleetWorker every ${lo.intervalMs} ms and after each PASS: ${run.sentDuringOn} rows sent in ${run.passesDuringOn} passes while units passed, ${run.pendingAfter} queued at the end`;
    out.metrics.push(off, on, { key: 'uplink_on_vs_off', label: '    on / off', value: ratio(on.value, off.value), unit: 'x' });
    out.goals.push(goal('uplink_on_vs_off', '(c) unit time with the uplink on / off', ratio(on.value, off.value), '<=', UPLINK_ON_OFF_GOAL));
  } finally {
    await server.stop();
    await w.pg.dropDatabase(name);
  }
}

/** (b) fleet search. */
async function searchPhase(w: World, o: FleetBenchOptions, log: (m: string) => void, out: Out): Promise<void> {
  const name = 'wxprov_bench_search';
  const url = await w.pg.createDatabase(name);
  let ledger: SearchLedger | undefined;
  try {
    const load = await measure({ key: 'search_load_s', label: `(b) ledger of ${n(o.searchRows)} rows, generated`, unit: 's' }, async () => {
      ledger = await buildSearchLedger(url, o.searchRows, log);
      return ledger.loadSeconds;
    });
    if (ledger) load.note = `${SEARCH_STATIONS} stations, ${SEARCH_PRODUCTS} products, 365 days; INSERT … SELECT generate_series into the server's devices; table ${Math.round(ledger.tableMb)} MB, indexes ${Math.round(ledger.indexMb)} MB`;
    out.metrics.push(load);
    if (!ledger) return;
    const cases = await searchCases(ledger.db, o.searchRuns);
    for (const c of cases) {
      log(`(b) ${c.label}: ${o.searchRuns} runs, each with another value`);
      let t: Awaited<ReturnType<typeof timeCase>> | undefined;
      const m = await measure({ key: `search_${c.key}_ms`, label: `(b) ${c.label}`, unit: 'ms' }, async () => {
        t = await timeCase(c, o.searchRuns);
        return t.medianMs;
      });
      if (t) m.note = `median of ${t.runs} values (slowest ${t.maxMs.toFixed(1)} ms), ${n(t.rows)} rows each${c.goal ? '' : '; no goal'}`;
      out.metrics.push(m);
      if (c.goal) out.goals.push(goal(`search_${c.key}_vs_goal`, `(b) ${c.key}: median ms / ${SEARCH_GOAL_MS}`, m.value === null ? null : m.value / SEARCH_GOAL_MS, '<=', 1));
    }
  } finally {
    await (ledger as SearchLedger | undefined)?.db.close();
    await w.pg.dropDatabase(name);
  }
}

export function fleetSuite(o: FleetBenchOptions = fleetOptions()): BenchSuite {
  return {
    name: 'fleet',
    description: 'the factory server on PostgreSQL: 50 stations uplinking vs COPY; fleet search over 10M rows; unit time with the uplink on vs off',
    async run(log) {
      const out: Out = {
        metrics: [],
        goals: [],
        info: { uplink_rows: o.uplinkRows, stations: o.stations, search_rows: o.searchRows, line_units: o.lineUnits, cpus: os.cpus().length },
      };
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-fleet-'));
      let pg: BenchPg | undefined;
      let sim: WechatSimProc | undefined;
      // pg_ctl's cluster outlives a Ctrl-C unless stopped here (the server and simulators get the signal themselves).
      const interrupted = () => {
        void (async () => {
          await sim?.stop();
          await pg?.stop();
          fs.rmSync(dir, { recursive: true, force: true });
          process.exit(130);
        })();
      };
      process.once('SIGINT', interrupted);
      try {
        pg = await startBenchPg(log);
        out.info.postgres = pg.settings;
        sim = await startWechatSimProcess();
        const w = { pg, sim, dir };
        // (b) last: its ledger takes the longest to make. Reported in order.
        const a: Out = { metrics: [], goals: [], info: out.info };
        const b: Out = { metrics: [], goals: [], info: out.info };
        const c: Out = { metrics: [], goals: [], info: out.info };
        // A phase that fails is reported as such; the others still run.
        const phase = async (key: string, label: string, x: Out, fn: () => Promise<void>) => {
          try {
            await fn();
          } catch (e) {
            log(`${label} failed: ${(e as Error).stack ?? String(e)}`);
            x.metrics.push({ key: `${key}_failed`, label, value: null, unit: '', error: (e as Error).message.split('\n')[0] });
          }
        };
        await phase('ingest', '(a) uplink ingest', a, () => ingestPhase(w, o, log, a));
        await phase('line', '(c) unit time, uplink on and off', c, () => linePhase(w, o, log, c));
        await phase('search', '(b) fleet search', b, () => searchPhase(w, o, log, b));
        for (const x of [a, b, c]) {
          out.metrics.push(...x.metrics);
          out.goals.push(...x.goals);
        }
        return { metrics: out.metrics, goals: out.goals, info: out.info };
      } finally {
        process.off('SIGINT', interrupted);
        await sim?.stop();
        await pg?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
