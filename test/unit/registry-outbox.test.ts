import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../main/core/db/migrations/index.js';
import { Outbox } from '../../main/core/registry/outbox.js';
import { addDevice, addProduct, dbAt } from '../helpers/db.js';

const LATEST = MIGRATIONS[MIGRATIONS.length - 1].version;

function queued(n: number) {
  const db = dbAt(LATEST);
  addProduct(db, 1);
  addProduct(db, 2);
  const q = db.prepare("INSERT INTO outbox (device_row, product_id, device_id, state, created_at) VALUES (?, ?, ?, 'pending', 't0')");
  for (let i = 0; i < n; i++) {
    const pid = i % 4 === 3 ? 2 : 1;
    const row = addDevice(db, pid, `D${i}`);
    q.run(row, pid, `D${i}`);
  }
  return db;
}

describe('Outbox', () => {
  it('pages pending ids per product in id order', () => {
    const db = queued(20);
    const o = new Outbox(db);
    expect(o.pendingProducts()).toEqual([1, 2]);
    const p1 = o.pendingPage(1, 0, 4);
    expect(p1.map((r) => r.device_id)).toEqual(['D0', 'D1', 'D2', 'D4']);
    expect(o.pendingPage(1, p1[3].id, 100).map((r) => r.device_id)).toEqual(['D5', 'D6', 'D8', 'D9', 'D10', 'D12', 'D13', 'D14', 'D16', 'D17', 'D18']);
    expect(o.pendingPage(2, 0, 100).map((r) => r.device_id)).toEqual(['D3', 'D7', 'D11', 'D15', 'D19']);
  });

  it('markSynced marks exactly that batch, on the outbox and the ledger, and the audit records each device once', () => {
    const db = queued(12);
    const o = new Outbox(db);
    const batch = o.pendingPage(1, 0, 5);
    // One of them was synced before (an earlier run that died after the platform answered).
    db.prepare("UPDATE devices SET synced_at = 'earlier' WHERE id = ?").run(batch[1].device_row);
    o.markSynced(batch, 't1');
    const rows = db.prepare('SELECT o.device_id, o.state, o.synced_at, o.attempts, d.synced_at AS dev_synced FROM outbox o JOIN devices d ON d.id = o.device_row ORDER BY o.id').all();
    const inBatch = new Set(batch.map((r) => r.device_id));
    for (const r of rows as { device_id: string; state: string; synced_at: string | null; attempts: number; dev_synced: string | null }[]) {
      if (inBatch.has(r.device_id)) {
        expect(r).toMatchObject({ state: 'synced', synced_at: 't1', attempts: 1, dev_synced: r.device_id === batch[1].device_id ? 'earlier' : 't1' });
      } else expect(r).toMatchObject({ state: 'pending', synced_at: null, attempts: 0, dev_synced: null });
    }
    const audited = db.prepare("SELECT device_id, at FROM audit WHERE action = 'synced' AND at = 't1' ORDER BY device_id").all();
    expect(audited).toEqual(
      batch
        .filter((_, i) => i !== 1)
        .map((r) => ({ device_id: r.device_id, at: 't1' }))
        .sort((a, b) => (a.device_id < b.device_id ? -1 : 1)),
    );
    expect(o.state().last_success_at).toBe('t1');
    expect(o.stats()).toMatchObject({ pending: 7, synced: 5, failed: 0 });
  });

  it('markFailed, noteAttempt and retryFailed', () => {
    const db = queued(3);
    const o = new Outbox(db);
    const [a, b] = o.pendingPage(1, 0, 2);
    o.noteAttempt([a, b], 'WX_NETWORK');
    o.markFailed(a, 'WX_INVALID_ARGS (40097): bad', 't2');
    expect(db.prepare('SELECT state, attempts, last_error FROM outbox WHERE id = ?').get(a.id)).toEqual({ state: 'failed', attempts: 2, last_error: 'WX_INVALID_ARGS (40097): bad' });
    expect(db.prepare('SELECT last_error FROM devices WHERE id = ?').get(a.device_row)).toEqual({ last_error: 'adddevice: WX_INVALID_ARGS (40097): bad' });
    expect(o.stats()).toMatchObject({ pending: 2, failed: 1 });
    expect(o.retryFailed()).toBe(1);
    expect(o.stats()).toMatchObject({ pending: 3, failed: 0 });
  });
});
