import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { integrity, openLedger, prng, repeated, runCli, setupProduct, simEnv, sleep, startCli, until, withLedger } from '../helpers/crash.js';
import { tmpDir } from '../helpers/tmp.js';

// `devices add --file` killed with SIGKILL part-way, in real processes, then run again on the
// same file: every id ends up in the ledger once with its outbox row, and the re-run reports
// exactly what the killed runs had committed as already in the records.

const N = 40_000;
const KILLS = 5;

let sim: WechatSim;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(async () => {
  await sim?.close();
});

describe('devices add --file killed with SIGKILL', () => {
  it('re-running the same file completes it: each id once, each queued once, the killed runs\' ids counted as duplicates', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const home = tmpDir('wxprov-crash-add-');
    const env = simEnv(sim, home);
    const pid = await setupProduct(env);
    const ids = Array.from({ length: N }, (_, i) => `AD${String(i + 1).padStart(6, '0')}`);
    const file = path.join(home, 'ids.csv');
    // The CSV form of the id file rule: a device_id header, other columns kept.
    fs.writeFileSync(file, 'device_id,sn\n' + ids.map((d) => `${d},SN${d.slice(2)}`).join('\n') + '\n');
    const argv = ['devices', 'add', '--product', String(pid), '--file', file];

    const rnd = prng(0xadd);
    const log: string[] = [];
    let killed = 0;
    let committed = 0;
    for (let i = 0; i < KILLS; i++) {
      const c = startCli(argv, env);
      let how: string;
      if (i === 0) {
        // In start-up, before the first transaction.
        const ms = rnd.int(100, 500);
        how = `${ms} ms after spawn`;
        await sleep(ms);
      } else {
        // Part-way through the file: once the ledger (read by another process, as the app
        // would while the CLI writes) holds `target` rows, plus a little so the kill lands
        // inside the next chunk's transaction or between two.
        const target = Math.min(committed + rnd.int(1, 4) * 2000, N - 10_000);
        const extra = rnd.int(0, 150);
        how = `ledger at ${target} + ${extra} ms`;
        const reader = openLedger(home);
        const count = reader.prepare('SELECT COUNT(*) AS n FROM devices');
        try {
          await until(c, () => (count.get() as { n: number }).n >= target, 5);
        } finally {
          reader.close();
        }
        await sleep(extra);
      }
      const e = await c.kill();
      if (e.killed) killed++;
      const now = withLedger(home, (db) => {
        const rows = (db.prepare('SELECT device_id FROM devices WHERE product_id = ? ORDER BY id').all(pid) as { device_id: string }[]).map((r) => r.device_id);
        // Nothing skipped: what is committed is always the file's first ids, in order.
        expect(rows).toEqual(ids.slice(0, rows.length));
        const unqueued = db.prepare('SELECT COUNT(*) AS n FROM devices d WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.device_row = d.id)').get() as { n: number };
        expect(unqueued.n).toBe(0);
        return rows.length;
      });
      log.push(`kill ${i + 1}: ${how} (${e.killed ? 'SIGKILL' : `exited ${e.code}`}): ledger +${now - committed} = ${now}`);
      expect(now).toBeGreaterThanOrEqual(committed);
      committed = now;
    }
    expect(killed).toBe(KILLS);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(N);

    const t0 = Date.now();
    const last = await runCli([...argv, '--json'], env);
    // Refused lines (the duplicates) make the exit code 1; the summary is still whole.
    expect(last.code, last.stderr).toBe(committed > 0 ? 1 : 0);
    const summary = last.json as { queued: number; duplicates: { line: number; device_id: string; reason: string }[]; invalid: unknown[] };
    log.push(`final run: queued ${summary.queued}, duplicates ${summary.duplicates.length}, ${Date.now() - t0} ms`);
    expect(summary.invalid).toEqual([]);
    expect(summary.duplicates.every((d) => d.reason === 'already in the records')).toBe(true);
    expect(summary.duplicates.length).toBe(committed);
    expect(summary.duplicates.map((d) => d.device_id)).toEqual(ids.slice(0, committed));
    // Line numbers point into the file (line 1 is the header).
    expect(summary.duplicates.map((d) => d.line)).toEqual(ids.slice(0, committed).map((_, i) => i + 2));
    expect(summary.queued + summary.duplicates.length).toBe(N);

    withLedger(home, (db) => {
      const rows = db.prepare('SELECT id, device_id, sn FROM devices WHERE product_id = ?').all(pid) as { id: number; device_id: string; sn: string | null }[];
      // Every id in the file, exactly once, and nothing else.
      expect(rows).toHaveLength(N);
      expect(repeated(rows.map((r) => r.device_id))).toEqual([]);
      expect(new Set(rows.map((r) => r.device_id))).toEqual(new Set(ids));
      expect(rows.filter((r) => r.sn !== `SN${r.device_id.slice(2)}`)).toEqual([]);

      // Each with exactly one pending outbox row, and no outbox row without its device.
      const perDevice = db.prepare('SELECT d.device_id, COUNT(o.id) AS n FROM devices d LEFT JOIN outbox o ON o.device_row = d.id GROUP BY d.id HAVING n != 1').all();
      expect(perDevice).toEqual([]);
      const outbox = db.prepare("SELECT COUNT(*) AS n, SUM(state = 'pending') AS pending FROM outbox WHERE product_id = ?").get(pid);
      expect(outbox).toEqual({ n: N, pending: N });
      const orphans = db.prepare('SELECT COUNT(*) AS n FROM outbox o LEFT JOIN devices d ON d.id = o.device_row WHERE d.id IS NULL OR d.device_id != o.device_id').get() as { n: number };
      expect(orphans.n).toBe(0);

      const audit = db.prepare("SELECT device_id, COUNT(*) AS n FROM audit WHERE action = 'allocate' AND product_id = ? GROUP BY device_id").all(pid) as { device_id: string; n: number }[];
      expect(audit).toHaveLength(N);
      expect(audit.filter((a) => a.n !== 1)).toEqual([]);
      expect(integrity(db)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
    });

    // And the queue drains cleanly from there: the platform ends up with exactly the file.
    const sync = await runCli(['sync', '--batch', '1000', '--json'], env);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.json).toMatchObject({ synced: N, failed: 0, pending: 0 });
    expect(new Set(sim.state.products.get(pid)!.device_ids)).toEqual(new Set(ids));

    log.push(`total ${Date.now() - started} ms`);
    console.log(`[crash-add]\n  ${log.join('\n  ')}`);
  });
});
