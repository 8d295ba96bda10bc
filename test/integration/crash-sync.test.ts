import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { addDeviceLists, integrity, prng, runCli, setupProduct, simEnv, sleep, startCli, until, withLedger } from '../helpers/crash.js';
import { tmpDir } from '../helpers/tmp.js';

// `wxprov sync` killed with SIGKILL mid-drain, in real processes, against the simulator in
// this process: every queued id must end up registered exactly as the ledger says, none
// skipped, and only a batch caught between the platform's answer and the commit is sent again.

const N = 20_000;
const BATCH = 50;
const KILLS = 10;
const DELAY_MS = 20;

let sim: WechatSim;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(async () => {
  await sim?.close();
});

describe('sync killed with SIGKILL', () => {
  it('registers every queued id, skips none, and resends only batches in flight at a kill', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const home = tmpDir('wxprov-crash-sync-');
    const env = simEnv(sim, home);
    const pid = await setupProduct(env);
    const ids = Array.from({ length: N }, (_, i) => `SY${String(i + 1).padStart(6, '0')}`);
    const file = path.join(home, 'ids.txt');
    fs.writeFileSync(file, ids.join('\n') + '\n');
    const add = await runCli(['devices', 'add', '--product', String(pid), '--file', file], env);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(`queued ${N}, duplicates 0, invalid 0`);

    // Slow the platform down so a kill lands mid-drain: each adddevice is processed at once
    // (the ids are registered) and answered DELAY_MS later.
    sim.inject({ endpoint: 'adddevice', kind: 'delay', ms: DELAY_MS, times: Infinity });

    const rnd = prng(0x5e1c);
    const log: string[] = [];
    /** The last adddevice batch each killed run sent: the only ids that may be sent again. */
    const inFlight = new Set<string>();
    let killed = 0;
    let syncedBefore = 0;
    /** Kills that landed after the platform had answered a batch and before the child committed it. */
    let answeredUncommitted = 0;
    let lockKills = 0;
    for (let i = 0; i < KILLS; i++) {
      const from = sim.state.calls.length;
      const addCalls = () => sim.state.calls.slice(from).filter((x) => x.endpoint === 'adddevice');
      const c = startCli(['sync', '--batch', String(BATCH)], env);
      const t0 = Date.now();
      let how: string;
      let writer: Database.Database | undefined;
      const kind = i % 4;
      if (kind === 2) {
        // Anywhere: start-up, token fetch, mid-batch.
        const ms = rnd.int(300, 1800);
        how = `${ms} ms after spawn`;
        await sleep(ms);
      } else {
        const k = rnd.int(1, 40);
        await until(c, () => addCalls().length >= k);
        const logged = addCalls()[k - 1].time;
        if (kind === 0) {
          // As soon as the k-th call is logged: the platform has registered the batch, the
          // answer is still on its way, so the child dies before it can commit.
          how = `on call ${k} logged`;
        } else if (kind === 1) {
          // Between answer and commit, for certain: a second writer (as the app would be)
          // holds the ledger's write lock, so the child gets the answer and waits to commit.
          how = `call ${k} answered while the ledger is locked`;
          writer = new Database(path.join(home, 'wxprov.db'));
          writer.exec('BEGIN IMMEDIATE');
          lockKills++;
          // Wait past the answer to the last call sent (the child may have sent one more
          // just before the lock was taken; it cannot send another after).
          for (let t = 0; t !== addCalls().at(-1)!.time; ) {
            t = addCalls().at(-1)!.time;
            await sleep(Math.max(0, t + DELAY_MS + 15 - Date.now()));
          }
        } else {
          // Around the moment the k-th answer goes out: between answer and commit, or just after.
          const d = rnd.int(0, 3);
          how = `${DELAY_MS + d} ms after call ${k} logged`;
          await sleep(Math.max(0, logged + DELAY_MS + d - Date.now()));
        }
      }
      const killAt = Date.now();
      const e = await c.kill();
      if (writer) {
        // Closing the last connection checkpoints the WAL: committed frames only, so the
        // next run sees the same ledger a crash left, just folded into the main file.
        writer.exec('ROLLBACK');
        writer.close();
      }
      if (e.killed) killed++;
      const lists = addDeviceLists(sim, from);
      const lastCall = sim.state.calls.slice(from).filter((x) => x.endpoint === 'adddevice').at(-1);
      if (e.killed && lists.length) for (const d of lists[lists.length - 1]) inFlight.add(d);
      const { synced, lastCommitted } = withLedger(home, (db) => ({
        synced: (db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'synced'").get() as { n: number }).n,
        lastCommitted: lists.length > 0 && (db.prepare("SELECT state FROM outbox WHERE device_id = ?").get(lists[lists.length - 1][0]) as { state: string }).state === 'synced',
      }));
      // The sim answers DELAY_MS after logging the call, from a timer in this process; a kill
      // later than that (with a margin for timer slack) came after the answer was written.
      const answered = lastCall !== undefined && killAt - lastCall.time >= DELAY_MS + 2;
      if (e.killed && answered && !lastCommitted) answeredUncommitted++;
      const state = lists.length === 0 ? 'no call yet' : lastCommitted ? 'last batch committed' : answered ? 'last batch answered, not committed' : 'last batch unanswered';
      log.push(`kill ${i + 1}: ${how} (${Date.now() - t0} ms, ${e.killed ? 'SIGKILL' : `exited ${e.code}`}): ${lists.length} calls, ${state}, ledger synced +${synced - syncedBefore}`);
      // Only whole answered batches are committed; a run can commit at most what it sent.
      expect(synced - syncedBefore).toBeLessThanOrEqual(lists.reduce((s, l) => s + l.length, 0));
      expect((synced - syncedBefore) % BATCH).toBe(0);
      syncedBefore = synced;
    }
    expect(killed).toBeGreaterThanOrEqual(KILLS - 1);
    expect(syncedBefore).toBeLessThan(N);
    expect(answeredUncommitted).toBeGreaterThanOrEqual(lockKills);

    // The last run is not killed: no need to keep the platform slow.
    sim.clearFaults();
    const t0 = Date.now();
    const fromFinal = sim.state.calls.length;
    const last = await runCli(['sync', '--batch', String(BATCH), '--json'], env);
    expect(last.code, last.stderr).toBe(0);
    expect(last.json).toMatchObject({ synced: N - syncedBefore, failed: 0, pending: 0 });
    log.push(`final run: synced ${last.json.synced} in ${last.json.calls} calls, ${Date.now() - t0} ms`);
    expect(addDeviceLists(sim, fromFinal)).toHaveLength(last.json.calls);

    // What the platform holds.
    const registered = sim.state.products.get(pid)!.device_ids;
    expect(ids.filter((d) => !registered.has(d))).toEqual([]); // nothing skipped

    // How often each id was sent.
    const lists = addDeviceLists(sim);
    const sends = new Map<string, number>();
    for (const l of lists) for (const d of l) sends.set(d, (sends.get(d) ?? 0) + 1);
    const resent = [...sends].filter(([, n]) => n > 1);
    const resends = resent.reduce((s, [, n]) => s + n - 1, 0);
    expect(Math.max(...sends.values())).toBeLessThanOrEqual(1 + killed);
    expect(lists.length).toBeLessThanOrEqual(Math.ceil(N / BATCH) + killed);
    // Resends only for batches a kill caught after the platform took them and before the commit.
    expect(resent.filter(([d]) => !inFlight.has(d))).toEqual([]);
    // The schedule did hit that window (the kills on a logged call always do).
    expect(resends).toBeGreaterThan(0);
    log.push(`adddevice calls ${lists.length} (minimum ${Math.ceil(N / BATCH)}), ids resent ${resent.length}, resends ${resends}, max sends per id ${Math.max(...sends.values())}, kills between answer and commit ${answeredUncommitted}`);

    withLedger(home, (db) => {
      const ledger = (db.prepare('SELECT device_id FROM devices WHERE product_id = ?').all(pid) as { device_id: string }[]).map((r) => r.device_id);
      // The platform's set equals the ledger's, exactly: nothing extra, nothing missing.
      expect(ledger).toHaveLength(N);
      expect(new Set(ledger)).toEqual(new Set(registered));
      expect(registered.size).toBe(N);

      const outbox = db.prepare("SELECT COUNT(*) AS n, SUM(state = 'pending') AS pending, SUM(state = 'failed') AS failed, SUM(state = 'synced') AS synced, SUM(synced_at IS NULL) AS no_time FROM outbox").get();
      expect(outbox).toEqual({ n: N, pending: 0, failed: 0, synced: N, no_time: 0 });
      const unsynced = db.prepare('SELECT COUNT(*) AS n FROM devices WHERE synced_at IS NULL').get() as { n: number };
      expect(unsynced.n).toBe(0);

      // Exactly one 'synced' audit row per device, even for the ids sent twice.
      const audit = db.prepare("SELECT device_id, COUNT(*) AS n FROM audit WHERE action = 'synced' AND product_id = ? GROUP BY device_id").all(pid) as { device_id: string; n: number }[];
      expect(audit).toHaveLength(N);
      expect(audit.filter((a) => a.n !== 1)).toEqual([]);
      expect(integrity(db)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
    });
    log.push(`total ${Date.now() - started} ms`);
    console.log(`[crash-sync]\n  ${log.join('\n  ')}`);
  });
});
