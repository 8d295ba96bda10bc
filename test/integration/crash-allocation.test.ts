import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { integrity, prng, repeated, runCli, setupProduct, simEnv, sleep, startCli, until, withLedger } from '../helpers/crash.js';
import { tmpDir } from '../helpers/tmp.js';

// Bulk allocation killed with SIGKILL at many points, in real processes: no id may be minted
// twice, none may exist without its outbox row, and the sequence must stay ahead of every id.

const N = 20_000;
const KILLS = 10;
const TEMPLATE = 'CR{station}{seq:7}';
const seqOf = (id: string) => Number(/^CRA1(\d{7})$/.exec(id)![1]);

let sim: WechatSim;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(async () => {
  await sim?.close();
});

describe('devices allocate killed with SIGKILL', () => {
  it('loses no id, mints none twice, and queues every allocated id exactly once', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const home = tmpDir('wxprov-crash-alloc-');
    const env = simEnv(sim, home);
    const pid = await setupProduct(env);
    const set = await runCli(['product', 'set', '--product', String(pid), '--id-template', TEMPLATE], env);
    expect(set.code, set.stderr).toBe(0);

    const rnd = prng(0xa110c);
    const printed: string[][] = [];
    const log: string[] = [];
    let killed = 0;
    let before = 0;
    for (let i = 0; i < KILLS; i++) {
      const c = startCli(['devices', 'allocate', '--product', String(pid), '--count', String(N)], env);
      const t0 = Date.now();
      let how: string;
      if (i % 3 === 0) {
        // Anywhere from start-up (before the first transaction) into the run.
        const ms = rnd.int(150, 2500);
        how = `${ms} ms after spawn`;
        await sleep(ms);
      } else {
        // Mid-run: once k thousand ids are out (committed), plus a little, so the kill lands
        // inside a later chunk's transaction or between two.
        const k = rnd.int(1, 12) * 1000;
        const extra = rnd.int(0, 200);
        how = `${k} ids printed + ${extra} ms`;
        await until(c, () => c.stdout().split('\n').length > k, 5);
        await sleep(extra);
      }
      const e = await c.kill();
      if (e.killed) killed++;
      const ids = c.stdout().split('\n').filter(Boolean);
      printed.push(ids);
      const after = withLedger(home, (db) => (db.prepare('SELECT COUNT(*) AS n FROM devices').get() as { n: number }).n);
      log.push(`kill ${i + 1}: ${how} (${Date.now() - t0} ms, ${e.killed ? 'SIGKILL' : `exited ${e.code}`}): printed ${ids.length}, ledger +${after - before}`);
      // An id printed was committed: the command prints only after its chunk's transaction.
      expect(ids.length).toBeLessThanOrEqual(after - before);
      expect(after).toBeGreaterThanOrEqual(before);
      before = after;
    }
    expect(killed).toBeGreaterThanOrEqual(KILLS - 1);

    const t0 = Date.now();
    const last = await runCli(['devices', 'allocate', '--product', String(pid), '--count', String(N)], env);
    expect(last.code, last.stderr).toBe(0);
    const finalIds = last.stdout.split('\n').filter(Boolean);
    log.push(`final run: ${finalIds.length} ids in ${Date.now() - t0} ms`);
    expect(finalIds).toHaveLength(N);
    printed.push(finalIds);

    withLedger(home, (db) => {
      const rows = db.prepare('SELECT id, product_id, device_id FROM devices').all() as { id: number; product_id: number; device_id: string }[];
      const ledger = new Set(rows.map((r) => r.device_id));
      // None twice: per product, and (same template, same station) across the table.
      expect(repeated(rows.map((r) => `${r.product_id}/${r.device_id}`))).toEqual([]);
      expect(ledger.size).toBe(rows.length);
      // No id lost: everything any run printed is in the ledger, and no run printed an id another printed.
      const all = printed.flat();
      expect(repeated(all)).toEqual([]);
      expect(all.filter((d) => !ledger.has(d))).toEqual([]);
      expect(rows.length).toBe(before + N);

      // Allocation and queueing are one transaction: every device has exactly one outbox row, and no outbox row is orphaned.
      const missing = db.prepare('SELECT COUNT(*) AS n FROM devices d WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.device_row = d.id)').get() as { n: number };
      expect(missing.n).toBe(0);
      const outbox = db.prepare("SELECT COUNT(*) AS n, SUM(state = 'pending') AS pending FROM outbox").get() as { n: number; pending: number };
      expect(outbox).toEqual({ n: rows.length, pending: rows.length });
      const mismatched = db.prepare('SELECT COUNT(*) AS n FROM outbox o LEFT JOIN devices d ON d.id = o.device_row WHERE d.id IS NULL OR d.device_id != o.device_id OR d.product_id != o.product_id').get() as { n: number };
      expect(mismatched.n).toBe(0);

      // The sequence is ahead of every id handed out: no id can be minted again.
      const seqs = rows.map((r) => seqOf(r.device_id));
      const maxSeq = Math.max(...seqs);
      const seq = db.prepare("SELECT next_seq FROM id_sequences WHERE product_id = ? AND station = 'A1'").get(pid) as { next_seq: number };
      expect(seq.next_seq).toBeGreaterThan(maxSeq);
      const gaps = maxSeq - seqs.length;
      log.push(`ledger ${rows.length} ids (${before} from killed runs), max seq ${maxSeq}, next_seq ${seq.next_seq}, gaps ${gaps}`);

      // Exactly one 'allocate' audit row per device, none for rolled-back work.
      const audit = db.prepare("SELECT device_id, COUNT(*) AS n FROM audit WHERE action = 'allocate' AND product_id = ? GROUP BY device_id").all(pid) as { device_id: string; n: number }[];
      expect(audit.length).toBe(rows.length);
      expect(audit.filter((a) => a.n !== 1 || !ledger.has(a.device_id))).toEqual([]);

      expect(integrity(db)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
    });
    log.push(`total ${Date.now() - started} ms`);
    console.log(`[crash-allocation]\n  ${log.join('\n  ')}`);
  });
});
