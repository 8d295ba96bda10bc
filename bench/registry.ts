import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { createContext } from '../main/core/context.js';
import { openDb } from '../main/core/db/open.js';
import { ProductService } from '../main/core/products/product-service.js';
import { enqueueBench, type EnqueueResult } from './registry-enqueue.js';
import { buildLedger } from './registry-ledger.js';
import { pkPageBaseline, searchCases, timeSearch, type Timing } from './registry-search.js';
import { runSyncProcess, type SyncMode, type SyncRun } from './registry-sync.js';
import { goal, measure, ratio, type BenchSuite, type Goal, type Metric } from './suite.js';

export interface RegistryBenchOptions {
  /** Ids through Registry.add, then through `wxprov sync`. */
  ids: number;
  /** Rows in the search ledger. */
  ledgerRows: number;
  /** Runs per search (the first, cold, counts in the max). */
  searchRuns: number;
  /** Rows per search page (the UI's default). */
  pageSize: number;
}

export const REGISTRY_DEFAULTS: RegistryBenchOptions = { ids: 100_000, ledgerRows: 1_000_000, searchRuns: 11, pageSize: 50 };

/** The goals, absolute; each is reported as measured / goal, so 1.00x is the line. */
export const ENQUEUE_GOAL_IDS_PER_S = 50_000;
export const SYNC_RSS_GOAL_MB = 150;
export const SEARCH_GOAL_MS = 50;

const MB = 1024 * 1024;
const PRODUCT_ID = 20_001;
const MODEL = 'BM1';
const n = (v: number) => v.toLocaleString('en-US');

interface Out {
  metrics: Metric[];
  goals: Goal[];
  info: Record<string, string | number | boolean>;
}

/** The pragmas the production open set, read back, so the report shows what was measured. */
function pragmas(db: Database.Database): string {
  return `journal_mode=${db.pragma('journal_mode', { simple: true })}, synchronous=${db.pragma('synchronous', { simple: true })}`;
}

/** (a) Registry.add into a fresh data dir, then (b) `wxprov sync` of what it queued, in a process of its own. */
async function queuePhases(o: RegistryBenchOptions, log: (m: string) => void, out: Out): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-queue-'));
  try {
    let enq: EnqueueResult | undefined;
    const ctx = createContext({ env: { WXPROV_HOME: home }, actor: 'bench' });
    try {
      out.info.queue_db = pragmas(ctx.db);
      new ProductService(ctx).ensureRecorded(PRODUCT_ID, { english_name: 'Bench', chinese_name: '基准', default_name: 'Bench', model_name: MODEL });
      const enqueue = await measure({ key: 'enqueue_ids_per_s', label: '(a) Registry.add into a fresh ledger', unit: 'ids/s' }, async () => {
        enq = await enqueueBench(ctx, PRODUCT_ID, o.ids, log);
        return enq.rate;
      });
      if (enq) enqueue.note = `${n(o.ids)} ids in ${enq.seconds.toFixed(2)} s, ${Math.ceil(o.ids / enq.chunk)} transactions of ${n(enq.chunk)}`;
      const raw = await measure({ key: 'raw_insert_rows_per_s', label: '    baseline: bare INSERT loop, same DB', unit: 'rows/s' }, () => {
        if (!enq) throw new Error('not measured: enqueue failed');
        return enq.rawRate;
      });
      if (enq) raw.note = `2-column table, same transaction size; before / after: ${enq.rawRuns.map((r) => n(Math.round(r))).join(' / ')}`;
      out.metrics.push(enqueue, raw, {
        key: 'enqueue_vs_raw',
        label: '    Registry.add / bare INSERT',
        value: ratio(enqueue.value, raw.value),
        unit: 'x',
        note: 'id checks, unique + 5 indexes, audit trigger, outbox row',
      });
      out.goals.push(goal('enqueue_vs_goal', `(a) enqueue ids/s / ${n(ENQUEUE_GOAL_IDS_PER_S)}`, ratio(enqueue.value, ENQUEUE_GOAL_IDS_PER_S), '>=', 1));
    } finally {
      ctx.close();
    }

    // The queued ledger twice over (closed, so its WAL is checkpointed into the file): one copy
    // per way of starting the syncing process.
    const home2 = `${home}-copy`;
    if (enq) fs.cpSync(home, home2, { recursive: true });
    const runs: Partial<Record<SyncMode, SyncRun>> = {};
    try {
      for (const mode of ['bin', 'tsx'] as const) {
        const m = await measure({ key: mode === 'bin' ? 'sync_ids_per_s' : 'sync_tsx_ids_per_s', label: '', unit: 'ids/s' }, async () => {
          if (!enq) throw new Error('not measured: nothing was queued');
          log(`wxprov sync in a process of its own (${mode === 'bin' ? 'bin/wxprov.mjs, compiled, as the user runs it' : 'the sources through tsx, as before'}), the simulator in this process`);
          runs[mode] = await runSyncProcess(mode === 'bin' ? home : home2, PRODUCT_ID, MODEL, mode, log);
          return runs[mode]!.rate;
        });
        syncMetrics(mode, m, runs[mode], out);
      }
    } finally {
      fs.rmSync(home2, { recursive: true, force: true });
    }
    const calls = [runs.bin, runs.tsx].filter((x) => x !== undefined);
    out.goals.push(
      goal(
        'sync_calls_vs_expected',
        '(b) calls / ceil(N/batch) (1 = exact, all synced)',
        calls.length ? Math.max(...calls.map((c) => c.calls / c.expectedCalls)) : null,
        '<=',
        1,
      ),
      goal('sync_rss_vs_goal', `(b) peak RSS / ${SYNC_RSS_GOAL_MB} MB, wxprov sync as the user runs it`, runs.bin ? runs.bin.rssPeak / MB / SYNC_RSS_GOAL_MB : null, '<=', 1),
    );
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** The (b) rows of one run of the syncing process. */
function syncMetrics(mode: SyncMode, rate: Metric, sync: SyncRun | undefined, out: Out): void {
  const how = mode === 'bin' ? 'wxprov sync --json through bin/wxprov.mjs (compiled), as the user runs it' : 'the same through tsx (node --import tsx), as before';
  rate.label = mode === 'bin' ? '(b) wxprov sync → simulator, own process' : '(b) the same, through tsx (before)';
  rate.note = sync ? `${n(sync.ids)} ids in ${sync.seconds.toFixed(2)} s start to exit, batch ${sync.batch} (the default); ${how}` : how;
  const key = (k: string) => (mode === 'bin' ? `sync_${k}` : `sync_tsx_${k}`);
  out.metrics.push(rate);
  if (mode === 'bin') {
    out.metrics.push(
      {
        key: 'client_only_ids_per_s',
        label: '    baseline: bare adddevice calls, no ledger',
        value: sync?.clientRate ?? null,
        unit: 'ids/s',
        note: 'same simulator, client, batch size and number of calls, from the bench process',
      },
      {
        key: 'sync_vs_client',
        label: '    wxprov sync / bare calls',
        value: ratio(rate.value, sync?.clientRate ?? null),
        unit: 'x',
        note: 'process start, paging the outbox, marking synced (a transaction a batch), audit',
      },
    );
  }
  out.metrics.push(
    {
      key: key('calls'),
      label: '    adddevice calls',
      value: sync?.calls ?? null,
      unit: 'calls',
      note: sync ? `expected ceil(${n(sync.ids)} / ${sync.batch}) = ${n(sync.expectedCalls)}` : '',
    },
    {
      key: key('rss_peak_mb'),
      label: '    peak RSS of the syncing process',
      value: sync ? sync.rssPeak / MB : null,
      unit: 'MB',
      note: "the kernel's high-water mark (getrusage), read as the process exits",
    },
  );
}

/** (c) searchDevices over a large ledger, against fetching a page's rows by primary key. */
async function searchPhase(o: RegistryBenchOptions, log: (m: string) => void, out: Out): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-ledger-'));
  let db: Database.Database | undefined;
  try {
    const built = buildLedger(home, o.ledgerRows, log);
    out.metrics.push({
      key: 'ledger_build_s',
      label: `(c) build a ${n(o.ledgerRows)}-row ledger`,
      value: built.seconds,
      unit: 's',
      note: `${(built.bytes / 1e6).toFixed(0)} MB file with its audit rows (scaffolding, no goal)`,
    });
    db = openDb(home);
    out.info.ledger_db = pragmas(db);
    const base = pkPageBaseline(db, built.shape, o.pageSize, o.searchRuns * 3);
    out.metrics.push(
      { key: 'pk_single_ms', label: '    baseline: SELECT * WHERE id = ?', value: base.single.median, unit: 'ms', note: `median of ${base.single.runs}` },
      {
        key: 'pk_page_ms',
        label: `    baseline: ${o.pageSize} × SELECT * WHERE id = ?`,
        value: base.page.median,
        unit: 'ms',
        note: `a page's rows by primary key; median of ${base.page.runs}, max ${base.page.max.toFixed(2)} ms`,
      },
    );
    for (const c of searchCases(db, built.shape, o.pageSize)) {
      log(`search: ${c.label}`);
      let t: Timing | undefined;
      const m = await measure({ key: `search_${c.key}_ms`, label: `    ${c.label}`, unit: 'ms' }, () => {
        t = timeSearch(db!, c, o.searchRuns);
        return t.median;
      });
      if (t) m.note = `median of ${t.runs}; max ${t.max.toFixed(2)} ms; ${(t.median / base.page.median).toFixed(1)}x the pk page${c.noGoal ? '; no goal: a bound' : ''}`;
      out.metrics.push(m);
      if (!c.noGoal) out.goals.push(goal(`search_${c.key}_vs_goal`, `(c) ${c.key}: max ms / ${SEARCH_GOAL_MS}`, t ? t.max / SEARCH_GOAL_MS : null, '<=', 1));
    }
  } finally {
    db?.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

export function registrySuite(o: RegistryBenchOptions = REGISTRY_DEFAULTS): BenchSuite {
  return {
    name: 'registry',
    description: 'device ledger: Registry.add enqueue, `wxprov sync` as the user runs it against the simulator (calls, peak RSS), searchDevices over a large ledger',
    async run(log) {
      const out: Out = {
        metrics: [],
        goals: [],
        info: { node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cpus: os.cpus().length, load_1m: Number(os.loadavg()[0].toFixed(2)), ids: o.ids, ledger_rows: o.ledgerRows },
      };
      await queuePhases(o, log, out);
      await searchPhase(o, log, out);
      out.info.load_1m_end = Number(os.loadavg()[0].toFixed(2));
      return out;
    },
  };
}
