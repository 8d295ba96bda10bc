import os from 'node:os';
import type { Logger } from '../../log/logger.js';
import { isUniqueViolation, sqlState } from '../db/errors.js';
import type { Queryable, ServerDb } from '../db/server-db.js';
import { queueMesEvents } from '../mes/events.js';
import { recordConflicts, type ConflictView, type FoundConflict, type Side } from './conflicts.js';
import { isResultRow, type UplinkItem, type UplinkResultRow, type UplinkRow } from './uplink-rows.js';

export interface UplinkAnswer {
  /** Rows taken now. */
  accepted: number;
  /** Rows this server had taken before (the same station, row and version): counted, not applied again. */
  duplicates: number;
  /** Conflicts the new rows are part of. */
  conflicts: ConflictView[];
}

const ROW_TYPE = `product_id bigint, device_id text, status text, hwid text, sn text, signature text, key_version integer, port text,
  operator text, created_at timestamptz, updated_at timestamptz, last_error text, row_id bigint, version integer`;

/** Any fixed number: the lock the hwid check and the commit after it are taken under (shared, or whole: see step 5b). */
const HWID_CHECK_LOCK = 0x77786877; // 'wxhw'
/** The key space (first of two int4 keys, apart from the one-bigint locks) of the per-hwid locks: the hwid's hashtext is the second. */
const HWID_LOCK_CLASS = 0x77786869; // 'wxhi'
/**
 * Up to this many hwids a batch locks one by one; more (a station's whole 2,000-row batch, as a
 * rule) take the whole check. Each lock is an entry of PostgreSQL's shared lock table
 * (max_locks_per_transaction x max_connections, 6,400 by default) until commit: the
 * UPLINK_CONCURRENCY batches a server takes at once use at most 257 each.
 */
const HWID_LOCKS_MAX = 256;

/**
 * What the ledger statements read of a row (the rest stays out of their input), as a
 * JSON.stringify key list: the rows are written as they are, no copy of each made first.
 */
const LEDGER_KEYS = ['product_id', 'device_id', 'status', 'hwid', 'sn', 'signature', 'key_version', 'port', 'operator', 'created_at', 'updated_at', 'last_error', 'row_id', 'version'];
const RECEIPT_KEYS = ['row_id', 'version'];

/**
 * Uplink batches a server takes at once; more wait their turn (`POST /v1/uplink` holds them at
 * a Gate). A batch is CPU-bound in PostgreSQL: with one or two per core the store's processes
 * stop taking the CPU from each other (the fleet bench, 50 stations catching up on 2 cores:
 * about a quarter less PostgreSQL CPU a row than 10 at once), and the pool keeps connections
 * free for the dashboard, downlinks, blocks and the registration worker meanwhile.
 */
export const UPLINK_CONCURRENCY = Math.max(2, os.availableParallelism() + 1);

/**
 * Deadlocks (40P01) and serialisation failures (40001) are the store asking for the transaction
 * again; so is a receipt taken by another transaction after this one looked (the same batch
 * sent again while its first try was still open): the next try finds it and counts its rows as
 * duplicates. The receipts are checked by NOT EXISTS rather than ON CONFLICT DO NOTHING, whose
 * speculative insert costs more per row on every batch for a race that is rare.
 */
const RETRY = new Set(['40P01', '40001']);
const retryable = (e: unknown): boolean =>
  RETRY.has(sqlState(e) ?? '') || (isUniqueViolation(e) && (e as { constraint?: unknown }).constraint === 'uplink_receipts_pkey');

/**
 * `POST /v1/uplink`: a batch of a station's ledger changes, taken in one transaction, set-based
 * (a few statements per batch, whatever its size), so 50 stations can send at once.
 *
 * 1. Each row is taken once; a row seen before is a duplicate and nothing of it is applied
 *    again, so a batch sent twice changes nothing the second time. Rows with their place in
 *    the station's outbox (`seq`) are taken up to the station's mark (`uplink_marks`, one row
 *    per batch); rows without (an older station) by a receipt per (station, row id, version)
 *    (`uplink_receipts`).
 * 2. The ledger: per id, the newest new version is upserted into `devices` — but only over a
 *    row this station holds, of the same unit (hwid unset on either side or equal), not void
 *    (void is for good) and not newer already. An id the server never saw is added (a product
 *    it never heard of gets a stub, so no report is refused for it).
 * 3. Voids cancel the id's pending registration (one being sent right now is left to finish:
 *    re-adding is harmless; the worker cancels what is void when it next claims).
 * 4. Push-test results go to `unit_tests`, with the hwid of the unit tested.
 * 5. Conflicts, recorded and answered, never merged: an id reported with another hwid than the
 *    ledger's (the report is kept in the conflict, the ledger row untouched), and a hwid on two
 *    live ids.
 * 6. Results (kind `result`, the stations' results logs, for yield) go to `unit_results`, one
 *    statement for the batch; they touch nothing of the ledger. Their receipts are under
 *    negative row ids (no ledger row's), and the table's own (station, src_row) keeps a result
 *    once even apart from them. A batch of an older station simply has none.
 */
export async function ingestUplink(db: ServerDb, station: string, rows: readonly UplinkItem[], at: string, log: Logger): Promise<UplinkAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await db.transaction((tx) => ingest(tx, station, rows, at));
      if (answer.conflicts.length > 0) log.warn('uplink.conflicts', { station, conflicts: answer.conflicts.map((c) => c.id) });
      return answer;
    } catch (e) {
      if (attempt >= 3 || !retryable(e)) throw e;
      log.warn('uplink.retry', { station, sqlstate: sqlState(e), attempt });
    }
  }
}

const idKey = (r: { product_id: number; device_id: string }) => `${r.product_id}/${r.device_id}`;

async function ingest(tx: Queryable, station: string, all: readonly UplinkItem[], at: string): Promise<UplinkAnswer> {
  // 1. Which rows are new (the first of any key the batch repeats).
  const firsts = new Map<string, UplinkItem>();
  for (const r of all) {
    const key = `${r.row_id}/${r.version}`;
    if (!firsts.has(key)) firsts.set(key, r);
  }
  const last = all[all.length - 1]?.seq;
  const freshAll = last === undefined ? await takeReceipts(tx, station, firsts, at) : await takeUpToMark(tx, station, firsts, last, at);
  const answer: UplinkAnswer = { accepted: freshAll.length, duplicates: all.length - freshAll.length, conflicts: [] };
  if (freshAll.length === 0) return answer;

  await tx.query(
    `INSERT INTO products (product_id, origin, created_at, created_by)
     SELECT p::bigint, 'recorded', $2::timestamptz, $3 FROM jsonb_array_elements_text($1::jsonb) AS x(p)
     WHERE NOT EXISTS (SELECT 1 FROM products WHERE product_id = p::bigint) ON CONFLICT DO NOTHING`,
    [JSON.stringify([...new Set(freshAll.map((r) => r.product_id))]), at, `station:${station}`],
  );

  // 6. Results, all in one statement (first: they need only the products above).
  const results = freshAll.filter(isResultRow);
  const resultRows = results.length > 0 ? await insertResults(tx, station, results, at) : [];
  const fresh = freshAll.filter((r): r is UplinkRow => !isResultRow(r));
  // The MES hears of the results after the ledger rows of this batch are in (an event's sn and key version are the ledger's).
  if (fresh.length === 0) {
    await queueMesEvents(tx, station, resultRows, [], at);
    return answer;
  }

  // 2. Per id, its newest new version; ids in key order, so concurrent writers lock rows alike.
  const newest = new Map<string, UplinkRow>();
  const found: FoundConflict[] = [];
  for (const r of fresh) {
    const had = newest.get(idKey(r));
    if (had?.hwid && r.hwid && had.hwid !== r.hwid) found.push(twoUnits(sideOf(had, station), sideOf(r, station), r));
    if (!had || r.version > had.version || r.row_id !== had.row_id) newest.set(idKey(r), r);
  }
  const latest = [...newest.values()].sort((a, b) => a.product_id - b.product_id || (a.device_id < b.device_id ? -1 : a.device_id > b.device_id ? 1 : 0));
  const applied = await applyLedgerRows(tx, station, latest, at);
  const appliedIds = new Set(applied.map(idKey));

  // 5a. A report not applied because the ledger row is another unit's: an id on two units.
  const withHwid = latest.filter((r) => r.hwid && !appliedIds.has(idKey(r)));
  if (withHwid.length > 0) {
    const held = await tx.query<Side>(
      `SELECT d.product_id, d.device_id, d.hwid, d.station FROM devices d
       JOIN jsonb_to_recordset($1::jsonb) AS k(product_id bigint, device_id text) ON d.product_id = k.product_id AND d.device_id = k.device_id`,
      [JSON.stringify(withHwid.map((r) => ({ product_id: r.product_id, device_id: r.device_id })))],
    );
    const byId = new Map(withHwid.map((r) => [idKey(r), r]));
    for (const h of held.rows) {
      const r = byId.get(idKey(h))!;
      if (h.hwid && h.hwid !== r.hwid) found.push(twoUnits(h, sideOf(r, station), r));
    }
  }

  // 3. Voids cancel what waits; a registration being sent right now (locked) is left to finish.
  const voided = applied.filter((r) => r.status === 'void');
  await queueMesEvents(tx, station, resultRows, voided.map((r) => ({ product_id: r.product_id, device_id: r.device_id })), at);
  if (voided.length > 0) {
    await tx.query(
      `UPDATE registrations SET state = 'cancelled', updated_at = $2::timestamptz, last_error = 'void' WHERE id IN (
         SELECT r.id FROM registrations r JOIN jsonb_to_recordset($1::jsonb) AS k(product_id bigint, device_id text)
           ON r.product_id = k.product_id AND r.device_id = k.device_id
         WHERE r.state = 'pending' ORDER BY r.id FOR UPDATE OF r SKIP LOCKED)`,
      [JSON.stringify(voided.map((r) => ({ product_id: r.product_id, device_id: r.device_id }))), at],
    );
  }

  // 4. Every push-test result (not only the newest version's).
  const tests = fresh.filter((r) => r.test);
  if (tests.length > 0) {
    await tx.query(
      `INSERT INTO unit_tests (product_id, device_id, station, hwid, test, result, detail, at, port, received_at)
       SELECT t.product_id, t.device_id, $2, t.hwid, t.test, t.result, t.detail, t.at, t.port, $3::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS t(product_id bigint, device_id text, hwid text, test text, result text, detail text, at timestamptz, port text)`,
      [JSON.stringify(tests.map((r) => ({ product_id: r.product_id, device_id: r.device_id, hwid: r.hwid, ...r.test! }))), station, at],
    );
  }

  // 5b. A unit (hwid) on two live ids, one of them just reported. A station's row carries its
  // unit's hwid from its first version on, so only rows new at their station (version 1) can
  // bring a hwid the ledger has not checked. Two stations reporting one unit at the same moment
  // would each miss the other's uncommitted row: two batches with a hwid in common check it
  // and commit one after the other, and whichever checks second sees the first. Transaction-
  // level advisory locks, taken after every row lock this batch needs (so they cannot close a
  // circle with those): one per hwid, in hash order (so they cannot close one among
  // themselves), under the check's lock held shared; a batch with more hwids than that, or
  // with only conflicts to record, holds the check's lock whole instead. So batches of
  // different units do not wait for each other's check and commit (one lock for every batch
  // queued the whole fleet's uplink behind the one committing: bench/fleet.ts measures it).
  const firstSeen = new Set(fresh.filter((r) => r.version === 1 && r.hwid).map(idKey));
  const live = applied.filter((r) => r.hwid && r.status !== 'void' && firstSeen.has(idKey(r)));
  const hwids = [...new Set(live.map((r) => r.hwid!))];
  if (hwids.length > 0 && hwids.length <= HWID_LOCKS_MAX) {
    await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [HWID_CHECK_LOCK]);
    await tx.query(
      'SELECT count(pg_advisory_xact_lock($1, k.h)) FROM (SELECT DISTINCT hashtext(x) AS h FROM json_array_elements_text($2::json) AS x ORDER BY 1) AS k',
      [HWID_LOCK_CLASS, JSON.stringify(hwids)],
    );
  } else if (hwids.length > 0 || found.length > 0) await tx.query('SELECT pg_advisory_xact_lock($1)', [HWID_CHECK_LOCK]);
  if (live.length > 0) {
    // `= ANY (ARRAY(…))`, an index probe per hwid: `IN (SELECT …)` let the planner merge-join
    // the whole hwid index instead (tens of ms at a few hundred thousand rows).
    const same = await tx.query<Side>(
      `SELECT d.product_id, d.device_id, d.hwid, d.station FROM devices d
       WHERE d.hwid = ANY (ARRAY(SELECT json_array_elements_text($1::json))) AND d.status <> 'void' ORDER BY d.id`,
      [JSON.stringify(hwids)],
    );
    const byHwid = new Map<string, Side[]>();
    for (const o of same.rows) byHwid.set(o.hwid!, [...(byHwid.get(o.hwid!) ?? []), o]);
    const reported = new Map(live.map((r) => [idKey(r), r]));
    for (const r of live) {
      for (const other of byHwid.get(r.hwid!) ?? []) {
        if (idKey(other) === idKey(r)) continue;
        // A pair of two ids both reported now is found once.
        if (reported.has(idKey(other)) && idKey(other) > idKey(r)) continue;
        found.push({ kind: 'hwid_two_ids', held: other, reported: { product_id: r.product_id, device_id: r.device_id, hwid: r.hwid, station }, detail: newest.get(idKey(r))! as unknown as Record<string, unknown> });
      }
    }
  }
  answer.conflicts = await recordConflicts(tx, found, at);
  return answer;
}

/**
 * Rows of a station that does not send `seq`: a receipt per (station, row id, version), taken by
 * NOT EXISTS; the rows new here, in the batch's order (whatever order the store returned them in).
 */
async function takeReceipts(tx: Queryable, station: string, firsts: ReadonlyMap<string, UplinkItem>, at: string): Promise<UplinkItem[]> {
  const taken = await tx.query<{ row_id: number; version: number }>(
    `INSERT INTO uplink_receipts (station, row_id, version, received_at)
     SELECT $1, k.row_id, k.version, $3::timestamptz FROM json_to_recordset($2::json) AS k(row_id bigint, version integer)
     WHERE NOT EXISTS (SELECT 1 FROM uplink_receipts x WHERE x.station = $1 AND x.row_id = k.row_id AND x.version = k.version)
     RETURNING row_id, version`,
    [station, JSON.stringify([...firsts.values()], RECEIPT_KEYS), at],
  );
  const takenKeys = new Set(taken.rows.map((k) => `${k.row_id}/${k.version}`));
  return [...firsts].filter(([key]) => takenKeys.has(key)).map(([, r]) => r);
}

/**
 * Rows that carry their place in the station's outbox (`seq`, rising): everything above the
 * station's mark is new, and the mark moves to the batch's last place, one row per batch
 * (migration 0010). The mark is locked first, so the same batch sent twice at once is taken by
 * whichever locks it first; the other finds it all below the mark. A station's first batch
 * with `seq` (it was enrolled before the marks) is also checked against its receipts: it may be
 * the batch it sent before it was upgraded, whose answer it lost.
 */
async function takeUpToMark(tx: Queryable, station: string, firsts: ReadonlyMap<string, UplinkItem>, last: number, at: string): Promise<UplinkItem[]> {
  const lockMark = async () => (await tx.query<{ seq: number }>('SELECT seq FROM uplink_marks WHERE station = $1 FOR UPDATE', [station])).rows[0]?.seq;
  let mark = await lockMark();
  if (mark === undefined) {
    const made = await tx.query('INSERT INTO uplink_marks (station, seq, updated_at) VALUES ($1, $2, $3::timestamptz) ON CONFLICT (station) DO NOTHING', [station, last, at]);
    if (made.rowCount === 1) return takeReceipts(tx, station, firsts, at);
    // Another transaction made it meanwhile (the insert waited for its commit).
    mark = (await lockMark())!;
  }
  if (last > mark) await tx.query('UPDATE uplink_marks SET seq = $2, updated_at = $3::timestamptz WHERE station = $1', [station, last, at]);
  const above = mark;
  return [...firsts.values()].filter((r) => r.seq! > above);
}

type Applied = { product_id: number; device_id: string; status: string; hwid: string | null };

/** What an uplinked row (`r`) sets of a ledger row (`d`): the station's word, except that what it does not know (null) keeps the ledger's. */
const LEDGER_SET = (r: string) => `status = ${r}.status, hwid = COALESCE(${r}.hwid, d.hwid), sn = COALESCE(${r}.sn, d.sn),
       signature = COALESCE(${r}.signature, d.signature), key_version = COALESCE(${r}.key_version, d.key_version),
       port = ${r}.port, operator = ${r}.operator, created_at = ${r}.created_at, updated_at = ${r}.updated_at,
       last_error = ${r}.last_error, void_reason = COALESCE(${r}.void_reason, d.void_reason),
       src_row = ${r}.src_row, src_version = ${r}.src_version, reported_at = ${r}.reported_at`;

/** The guards an uplinked row must pass to change a ledger row (`d`): this station's row, the same unit, not void, not newer. */
const LEDGER_GUARDS = (r: string) => `d.station = ${r}.station
       AND (d.hwid IS NULL OR ${r}.hwid IS NULL OR d.hwid = ${r}.hwid)
       AND (d.status <> 'void' OR ${r}.status = 'void')
       AND NOT (d.src_row IS NOT DISTINCT FROM ${r}.src_row AND d.src_version >= ${r}.src_version)`;

/**
 * Step 2: the ledger rows the server holds (a block's or an online signing's: nearly every
 * one) by a plain UPDATE, in key order; the rest by an INSERT that, should another batch add
 * the id first, becomes the same guarded update. A plain UPDATE rather than an upsert for all:
 * ON CONFLICT locks each row before it updates it (a WAL record more a row) and, before
 * migration 0011 made the version trigger fire for voids only, fired the insert trigger first
 * (the fleet bench measured it).
 */
async function applyLedgerRows(tx: Queryable, station: string, latest: readonly UplinkRow[], at: string): Promise<Applied[]> {
  const updated = await tx.query<Applied>(
    `UPDATE devices AS d SET ${LEDGER_SET('r')}
     FROM (${LEDGER_INPUT}) AS r
     WHERE d.product_id = r.product_id AND d.device_id = r.device_id AND ${LEDGER_GUARDS('r')}
     RETURNING d.product_id, d.device_id, d.status, d.hwid`,
    [JSON.stringify(latest, LEDGER_KEYS), station, at],
  );
  if (updated.rows.length === latest.length) return updated.rows;
  // Ids the ledger has not got (or rows the guards kept out: ON CONFLICT finds them and keeps them out again).
  const done = new Set(updated.rows.map(idKey));
  const rest = latest.filter((r) => !done.has(idKey(r)));
  const inserted = await tx.query<Applied>(
    `INSERT INTO devices AS d (product_id, device_id, station, status, hwid, sn, signature, key_version, port, operator, created_at, updated_at,
       last_error, void_reason, src_row, src_version, reported_at)
     SELECT * FROM (${LEDGER_INPUT}) AS r
     ON CONFLICT (product_id, device_id) DO UPDATE SET ${LEDGER_SET('EXCLUDED')}
     WHERE ${LEDGER_GUARDS('EXCLUDED')}
     RETURNING d.product_id, d.device_id, d.status, d.hwid`,
    [JSON.stringify(rest, LEDGER_KEYS), station, at],
  );
  return [...updated.rows, ...inserted.rows];
}

/** The rows as a ledger row's columns, in `devices`' insert order ($1 the rows, $2 the station, $3 when received). */
const LEDGER_INPUT = `SELECT r.product_id, r.device_id, $2::text AS station, r.status, r.hwid, r.sn, r.signature, r.key_version, r.port, r.operator,
       r.created_at, r.updated_at, r.last_error,
       CASE WHEN r.status = 'void' THEN COALESCE(NULLIF(r.last_error, ''), 'void at station ' || $2) END AS void_reason,
       r.row_id AS src_row, r.version AS src_version, $3::timestamptz AS reported_at
     FROM json_to_recordset($1::json) AS r(${ROW_TYPE})`;

/** A batch's new results into `unit_results`; one sent again (its receipt lost with a restore, say) is kept once. */
async function insertResults(tx: Queryable, station: string, rows: readonly UplinkResultRow[], at: string): Promise<number[]> {
  const r = await tx.query<{ src_row: number }>(
    `INSERT INTO unit_results (station, src_row, product_id, at, port, result, device_id, hwid, sn, step, code, received_at)
     SELECT $2, r.src_row, r.product_id, r.at, r.port, r.result, r.device_id, r.hwid, r.sn, r.step, r.code, $3::timestamptz
     FROM json_to_recordset($1::json) AS r(src_row bigint, product_id bigint, at timestamptz, port text, result text, device_id text,
       hwid text, sn text, step text, code text)
     ORDER BY r.src_row
     ON CONFLICT (station, src_row) DO NOTHING
     RETURNING src_row`,
    [
      JSON.stringify(
        rows.map((r) => ({ src_row: r.src_row, product_id: r.product_id, at: r.at, port: r.port, result: r.result, device_id: r.device_id, hwid: r.hwid, sn: r.sn, step: r.step, code: r.code })),
      ),
      station,
      at,
    ],
  );
  return r.rows.map((x) => x.src_row);
}

const sideOf = (r: UplinkRow, station: string): Side => ({ product_id: r.product_id, device_id: r.device_id, hwid: r.hwid, station });

function twoUnits(held: Side, reported: Side, row: UplinkRow): FoundConflict {
  return { kind: 'id_two_units', held, reported, detail: row as unknown as Record<string, unknown> };
}
