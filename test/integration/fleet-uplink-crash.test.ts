import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import path from 'node:path';
import { integrity, prng, runCli, sleep, startCli, until, withLedger } from '../helpers/crash.js';
import { cli } from '../helpers/cli.js';
import { FleetDouble } from '../helpers/fleet-double.js';
import { tmpDir } from '../helpers/tmp.js';

// A station SIGKILLed mid-uplink, again and again, at the worst moments (the server has recorded
// a batch and not answered yet; the station is between the answer and marking it sent), then
// allowed to finish: every change reaches the server exactly once, under the same key and with
// the same content every time it is sent.

const PID = 601;
let fleet: FleetDouble;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  fleet = await FleetDouble.start();
  fleet.addProduct({ product_id: PID, model_name: 'M', id_template: 'K{station}{seq:6}' });
  env = { WXPROV_HOME: tmpDir(), WXPROV_KEY_PASSPHRASE: 'crash passphrase', WXPROV_OPERATOR: 'op1' };
  const j = await cli(['fleet', 'join', '--server', fleet.url, '--fingerprint', fleet.fingerprint, '--code', fleet.enroll('K1'), '--json'], env);
  expect(j.code).toBe(0);
});
afterEach(async () => {
  await fleet.close().catch(() => {});
});

/** Ledger changes made as a line makes them: rows allocated, then written and verified, some voided; each is queued by trigger. */
function changes(count: number): number {
  const db = new Database(path.join(env.WXPROV_HOME!, 'wxprov.db'));
  try {
    const ins = db.prepare("INSERT INTO devices (product_id, device_id, status, station, operator, hwid, created_at, updated_at) VALUES (?, ?, 'allocated', 'K1', 'op1', ?, ?, ?)");
    const upd = db.prepare('UPDATE devices SET status = ?, updated_at = ? WHERE id = ?');
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
        const id = Number(ins.run(PID, `X${String(i).padStart(6, '0')}`, `HW${i}`, at, at).lastInsertRowid);
        upd.run('written', at, id);
        upd.run(i % 10 === 0 ? 'void' : 'verified', at, id);
      }
    })();
    return db.prepare('SELECT COUNT(*) FROM fleet_uplink WHERE sent_at IS NULL').pluck().get() as number;
  } finally {
    db.close();
  }
}

const queuedKeys = () =>
  withLedger(env.WXPROV_HOME!, (db) => (db.prepare('SELECT device_row, version, sent_at FROM fleet_uplink ORDER BY id').all() as { device_row: number; version: number; sent_at: string | null }[]));

describe('a station SIGKILLed mid-uplink', () => {
  it('loses nothing and doubles nothing, whenever it dies', async () => {
    const queued = changes(400);
    expect(queued).toBe(1200);
    const rnd = prng(10);
    let kills = 0;
    for (let round = 0; round < 6; round++) {
      const worst = round % 2 === 0;
      let recorded = false;
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const batches = fleet.calls.filter((c) => c.path === '/v1/uplink').length;
      const killAt = batches + rnd.int(1, 3);
      // Worst case: the server has recorded the batch and holds its answer while the station dies.
      fleet.onUplink = worst
        ? async (n) => {
            if (n === killAt) {
              recorded = true;
              await held;
            }
          }
        : undefined;
      const child = startCli(['fleet', 'sync', '--batch', '50', '--json'], env);
      if (worst) expect(await until(child, () => recorded)).toBe(true);
      else await until(child, () => fleet.calls.filter((c) => c.path === '/v1/uplink').length >= killAt).then(() => sleep(rnd.int(0, 15)));
      const k = await child.kill();
      release();
      if (!k.killed) break; // it finished before the kill: nothing left to break
      kills++;
    }
    expect(kills).toBe(6);
    fleet.onUplink = undefined;
    const last = await runCli(['fleet', 'sync', '--batch', '50', '--json'], env);
    expect(last.code).toBe(0);
    expect(last.json.uplink_pending).toBe(0);

    const station = queuedKeys();
    expect(station.every((r) => r.sent_at !== null)).toBe(true);
    const keys = new Set(station.map((r) => `${r.device_row}/${r.version}`));
    expect(keys.size).toBe(1200);
    const server = fleet.rowsOf('K1');
    expect(new Set(server.keys())).toEqual(keys);
    expect(fleet.changedResends).toEqual([]);
    // Each row went with its place in the outbox, and a server taking rows up to a mark would have taken each once.
    expect([...server.values()].every((r) => typeof r.seq === 'number')).toBe(true);
    expect(fleet.markFaults).toEqual([]);
    // Some batches really were sent twice (the kills landed), and were counted once.
    expect(fleet.received).toBeGreaterThan(1200);
    withLedger(env.WXPROV_HOME!, (db) => expect(integrity(db)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 }));
  }, 120_000);
});
