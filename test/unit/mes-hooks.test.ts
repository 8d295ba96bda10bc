import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../main/core/db/open.js';
import { nullLogger } from '../../main/core/log/logger.js';
import { mesCheck, type MesCheckRequest } from '../../main/core/mes/check.js';
import { MesOutbox, type MesEvent } from '../../main/core/mes/events.js';
import { backoffMs, deliverMes } from '../../main/core/mes/sender.js';
import { Settings } from '../../main/core/registry/settings.js';
import { startSimMes, type SimMes } from '../../main/core/sim/mes/mes-sim.js';
import { caught } from '../helpers/caught.js';
import { tmpDir } from '../helpers/tmp.js';

// The MES hooks against a real HTTP server on loopback (the simulated MES) and a real SQLite
// file: what the route check makes of each answer, and the report outbox's order, ids and
// retries — 10,000 events after an outage included.

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function mesSim(o: Parameters<typeof startSimMes>[0] = {}): Promise<SimMes> {
  const m = await startSimMes(o);
  open.push(m);
  return m;
}

const REQ: MesCheckRequest = { station: 'L1', slot: '/dev/ttyUSB0', product_id: 7, hwid: 'HW1', sn: 'SN1', operator: 'op7' };

describe('the route check', () => {
  it('ok goes on; a refused SN and a 4xx are MES_REJECTED with the reason; the body is the contract, the token a bearer', async () => {
    const m = await mesSim({ token: 'tok-1', rejectSn: { SNBAD: '前工序未完成 (previous station not passed)' } });
    expect(await mesCheck(REQ, { url: m.checkUrl, offline: 'block', token: 'tok-1' })).toEqual({ offline: false });
    expect(m.checks[0].body).toEqual(REQ);
    expect(m.checks[0].authorization).toBe('Bearer tok-1');
    const rejected = await caught(mesCheck({ ...REQ, sn: 'SNBAD' }, { url: m.checkUrl, offline: 'allow', token: 'tok-1' }));
    expect(rejected).toMatchObject({ code: 'MES_REJECTED', params: { reason: '前工序未完成 (previous station not passed)' } });
    // A wrong token: the MES says 401 — a refusal, not an outage, even with `allow`.
    expect(await caught(mesCheck(REQ, { url: m.checkUrl, offline: 'allow', token: 'wrong' }))).toMatchObject({ code: 'MES_REJECTED', params: { reason: 'bad or missing token' } });
  });

  it('no answer, a reset and a 5xx are MES_UNREACHABLE with block, and go on marked with allow', async () => {
    const m = await mesSim();
    for (const mode of ['error', 'reset', 'hang'] as const) {
      m.setMode(mode);
      const o = { url: m.checkUrl, timeoutMs: 300 };
      expect(await caught(mesCheck(REQ, { ...o, offline: 'block' })), mode).toMatchObject({ code: 'MES_UNREACHABLE' });
      expect(await mesCheck(REQ, { ...o, offline: 'allow' }), mode).toMatchObject({ offline: true });
    }
    await m.close();
    expect(await caught(mesCheck(REQ, { url: m.checkUrl, offline: 'block', timeoutMs: 300 }))).toMatchObject({ code: 'MES_UNREACHABLE' });
  });
});

function ledger(reportUrl: string): { db: Db; ctx: Parameters<typeof deliverMes>[0] } {
  const db = openDb(tmpDir());
  open.push(db);
  new Settings(db).set('mes_report_url', reportUrl, new Date().toISOString(), 't');
  const ctx = { db, env: { mesToken: 'tok-2' } as never, now: () => new Date(), log: nullLogger, vault: (() => ({ valueMeta: () => undefined })) as never };
  return { db, ctx };
}

const event = (i: number): Omit<MesEvent, 'event_id'> => ({
  station: 'L1',
  slot: 'tcp:127.0.0.1:9',
  product_id: 7,
  device_id: i % 5 === 0 ? null : `D${i}`,
  hwid: `HW${i}`,
  sn: null,
  result: i % 5 === 0 ? 'FAIL' : 'PASS',
  step: i % 5 === 0 ? 'mes_check' : 'record',
  code: i % 5 === 0 ? 'MES_REJECTED' : null,
  key_version: 1,
  push_test: null,
  at: new Date(Date.UTC(2026, 10, 30, 8, 0, 0, i)).toISOString(),
});

describe('the report outbox', () => {
  it('nothing is queued while no report address is set', () => {
    const db = openDb(tmpDir());
    open.push(db);
    expect(new MesOutbox(db).addIfReporting(event(1))).toBeNull();
    expect(new MesOutbox(db).status().pending).toBe(0);
  });

  it('10,000 events written during an outage go out after it, in order, each once, under the id written with it', { timeout: 120_000 }, async () => {
    const m = await mesSim({ token: 'tok-2', mode: 'error' });
    const { db, ctx } = ledger(m.reportUrl);
    const out = new MesOutbox(db);
    const ids = db.transaction(() => Array.from({ length: 10_000 }, (_, i) => out.addIfReporting(event(i + 1))!))();
    // Down: the first event stays first in line, the error and the next attempt are kept.
    const down = await deliverMes(ctx);
    expect(down).toMatchObject({ sent: 0, failed: true, status: { pending: 10_000, last_sent_at: null } });
    expect(down.status.last_error).toMatch(/HTTP 503/);
    expect(Date.parse(down.status.next_attempt_at!)).toBeGreaterThan(Date.now());
    m.setMode('up');
    const r = await deliverMes(ctx);
    expect(r).toMatchObject({ sent: 10_000, refused: 0, failed: false, status: { pending: 0, sent: 10_000, last_error: null, next_attempt_at: null } });
    expect(m.deliveries.every((d) => !d.duplicate && d.idempotency_key === d.event_id)).toBe(true);
    expect(m.deliveries.map((d) => d.event_id)).toEqual(ids);
    // The event as written, every contract key.
    expect(m.events()[4]).toEqual({ event_id: ids[4], ...event(5) });
    expect(Object.keys(m.events()[0]).sort()).toEqual(['at', 'code', 'device_id', 'event_id', 'hwid', 'key_version', 'product_id', 'push_test', 'result', 'sn', 'slot', 'station', 'step'].sort());
  });

  it('an answer lost after the MES took an event sends it again under the same key; a 4xx is kept as refused and the next goes', async () => {
    const m = await mesSim({ mode: 'lose' });
    const { db, ctx } = ledger(m.reportUrl);
    const out = new MesOutbox(db);
    const first = out.addIfReporting(event(1))!;
    expect((await deliverMes(ctx)).failed).toBe(true);
    m.setMode('up');
    await deliverMes(ctx);
    expect(m.deliveries.map((d) => [d.event_id, d.duplicate])).toEqual([
      [first, false],
      [first, true],
    ]);
    expect(m.events()).toHaveLength(1);
    // An event the MES refuses (here: a key that is not the event's) is kept, not retried, and does not block the next.
    const bad = out.addIfReporting(event(2))!;
    db.prepare("UPDATE mes_events SET body = json_set(body, '$.event_id', 'other') WHERE event_id = ?").run(bad);
    const next = out.addIfReporting(event(3))!;
    const r = await deliverMes(ctx);
    expect(r).toMatchObject({ sent: 1, refused: 1, status: { pending: 0, refused: 1 } });
    // Refused, then the next one sent: the refusal is kept on its event, not as the outbox's last error.
    expect(db.prepare('SELECT state, last_error FROM mes_events WHERE event_id = ?').get(bad)).toMatchObject({ state: 'refused', last_error: expect.stringMatching(/HTTP 400/) });
    expect(m.events().map((e) => e.event_id)).toEqual([first, next]);
  });

  it('backs off 1 s, 2 s, 4 s … up to a minute', () => {
    expect([1, 2, 3, 4, 7, 20].map(backoffMs)).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000]);
  });
});
