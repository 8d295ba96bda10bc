import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE, openDb } from '../main/core/db/open.js';
import { nowS } from './timing.js';

/** The shape of the synthetic ledger, so searches can aim at rows that exist. */
export interface LedgerShape {
  rows: number;
  products: number[];
  stations: string[];
  /** created_at of row i (0-based) is start + i * stepMs. */
  startMs: number;
  stepMs: number;
}

export const LEDGER_PRODUCTS = [1001, 1002, 1003, 1004];
export const LEDGER_STATIONS = ['A1', 'A2', 'A3'];
const LEDGER_START = Date.UTC(2025, 0, 1);
const YEAR_MS = 365 * 86_400_000;

/** Row i's values, as the SQL below computes them (for aiming searches). */
export const ledgerRow = (shape: LedgerShape, i: number) => {
  const at = new Date(shape.startMs + i * shape.stepMs);
  const station = shape.stations[i % shape.stations.length];
  const yymmdd = at.toISOString().slice(2, 10).replace(/-/g, '');
  return {
    id: i + 1,
    created_at: at.toISOString(),
    station,
    device_id: `${station}${yymmdd}${String(Math.floor(i / shape.stations.length)).padStart(7, '0')}`,
    hwid: i % 10 === 9 ? null : ((i * 2654435761) % 2 ** 48).toString(16).padStart(12, '0'),
  };
};

/**
 * A year of production at ~2,700 units a day: `rows` devices over four products and three
 * stations, ids from the default template's shape, most with a MAC-like hwid, a realistic
 * status mix (90% verified) and a 96-character signature. One INSERT ... SELECT over a
 * recursive CTE, then the schema's own indexes and the audit rows its trigger would write.
 *
 * The build runs on its own connection with the journal off and a big page cache (it is
 * scaffolding, not what is measured); the file ends with exactly the production schema, is
 * put back in WAL and reopened with openDb as production opens it.
 */
export function buildLedger(home: string, rows: number, log: (m: string) => void): { shape: LedgerShape; seconds: number; bytes: number } {
  openDb(home).close(); // schema, WAL
  const shape: LedgerShape = { rows, products: LEDGER_PRODUCTS, stations: LEDGER_STATIONS, startMs: LEDGER_START, stepMs: Math.floor(YEAR_MS / rows) };
  const db = new Database(path.join(home, DB_FILE));
  const start = nowS();
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = OFF'); // every product_id is one of the four products just written
    db.pragma('cache_size = -262144'); // 256 MiB for the index sorts
    const now = new Date().toISOString();
    const addProduct = db.prepare("INSERT INTO products (product_id, model_name, created_at, created_by, origin, id_template) VALUES (?, ?, ?, 'bench', 'recorded', '{station}{date:YYMMDD}{seq:7}')");
    for (const p of shape.products) addProduct.run(p, `M${p}`, now);
    const sigPool = crypto.randomBytes(1200).toString('base64');
    // Bulk-load order: indexes and the audit trigger come off, the rows go in, then the same
    // indexes are rebuilt from their own CREATE statements (a sort instead of a million random
    // b-tree inserts) and the audit rows the trigger would have written are written in one go.
    const schema = db
      .prepare("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'devices' AND type IN ('index', 'trigger') AND sql IS NOT NULL")
      .all() as { type: 'index' | 'trigger'; name: string; sql: string }[];
    const insertTrigger = schema.find((s) => s.name === 'audit_device_insert');
    if (!insertTrigger) throw new Error('no audit_device_insert trigger: the audit step below needs updating');
    for (const s of schema) db.exec(`DROP ${s.type.toUpperCase()} ${s.name}`);
    log(`building a ${rows.toLocaleString('en-US')}-row ledger (INSERT ... SELECT over a recursive CTE, then indexes and audit rows)`);
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < @rows - 1),
       r AS (
         SELECT i,
                strftime('%Y-%m-%dT%H:%M:%fZ', (@start + i * @step) / 1000.0, 'unixepoch') AS at,
                'A' || (1 + i % 3) AS station,
                (i * 37) % 100 AS pick
         FROM n
       )
       INSERT INTO devices (id, product_id, device_id, key_version, signature, hwid, sn, extra, status, station, operator, port,
                            created_at, updated_at, synced_at, last_error)
       SELECT i + 1,
              @p0 + (i / 1000) % 4,
              station || substr(at, 3, 2) || substr(at, 6, 2) || substr(at, 9, 2) || printf('%07d', i / 3),
              1,
              substr(@sig, 1 + i % 1000, 96),
              CASE WHEN i % 10 = 9 THEN NULL ELSE printf('%012x', (i * 2654435761) % 281474976710656) END,
              'SN' || printf('%08d', i),
              NULL,
              CASE WHEN pick < 90 THEN 'verified' WHEN pick < 95 THEN 'written' WHEN pick < 97 THEN 'allocated' WHEN pick < 99 THEN 'failed' ELSE 'void' END,
              station,
              'op' || (i % 7),
              'COM' || (3 + i % 4),
              at,
              at,
              CASE WHEN pick < 90 THEN at END,
              CASE WHEN pick >= 97 AND pick < 99 THEN 'write: READ mismatch' END
       FROM r`,
    ).run({ rows, start: shape.startMs, step: shape.stepMs, p0: shape.products[0], sig: sigPool });
    log(`  rows in after ${(nowS() - start).toFixed(1)} s; indexes and audit`);
    // What audit_device_insert writes per row (migration 0005).
    db.exec(`INSERT INTO audit (at, actor, station, port, product_id, device_id, action, from_state, to_state, detail)
             SELECT created_at, operator, station, port, product_id, device_id, 'allocate', NULL, status, hwid FROM devices ORDER BY id`);
    for (const s of schema) db.exec(s.sql);
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  const seconds = nowS() - start;
  const check = openDb(home);
  try {
    const n = (check.prepare('SELECT COUNT(*) AS c FROM devices').get() as { c: number }).c;
    if (n !== rows) throw new Error(`the ledger has ${n} rows, expected ${rows}`);
    const probe = ledgerRow(shape, Math.floor(rows / 2));
    const got = check.prepare('SELECT id, created_at, station, device_id, hwid FROM devices WHERE id = ?').get(probe.id);
    if (JSON.stringify(got) !== JSON.stringify(probe)) throw new Error(`row ${probe.id} is ${JSON.stringify(got)}, expected ${JSON.stringify(probe)}`);
    const bytes = (check.pragma('page_count', { simple: true }) as number) * (check.pragma('page_size', { simple: true }) as number);
    return { shape, seconds, bytes };
  } finally {
    check.close();
  }
}
