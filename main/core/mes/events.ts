import crypto from 'node:crypto';
import type { Db } from '../db/open.js';
import { Settings } from '../registry/settings.js';
import type { OutboxStatus, PendingReport, ReportOutbox } from './deliver.js';
import { backoffMs } from './report-outcome.js';

export type MesResult = 'PASS' | 'FAIL' | 'EXISTING' | 'VOID';

/** One result as the MES receives it: the contract, exactly these keys. */
export interface MesEvent {
  event_id: string;
  station: string | null;
  slot: string | null;
  product_id: number;
  device_id: string | null;
  hwid: string | null;
  sn: string | null;
  result: MesResult;
  step: string | null;
  code: string | null;
  key_version: number | null;
  push_test: 'PASS' | 'FAIL' | null;
  at: string;
}

/** The outbox's state (`wxprov mes status`). */
export type MesStatusView = OutboxStatus;

/**
 * The MES report outbox (migration 0013). `add` runs inside the transaction that records the
 * result, so a result and its report are one write: a kill after it loses nothing, a kill
 * before it leaves neither. Events go out oldest first, one at a time (per station, in order).
 */
export class MesOutbox implements ReportOutbox {
  constructor(private readonly db: Db) {}

  /** Queues the event when reporting is on (a report address is set); its id, or null when off. */
  addIfReporting(e: Omit<MesEvent, 'event_id'>): string | null {
    if (!new Settings(this.db).get('mes_report_url')) return null;
    const event: MesEvent = { event_id: crypto.randomUUID(), ...e };
    this.db.prepare('INSERT INTO mes_events (event_id, body, created_at) VALUES (?, ?, ?)').run(event.event_id, JSON.stringify(event), e.at);
    return event.event_id;
  }

  /** The oldest waiting events, after `afterSeq` (those the sender took but has not marked yet). */
  next(limit: number, afterSeq = 0): PendingReport[] {
    const rows = this.db.prepare("SELECT seq, event_id, body FROM mes_events WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT ?").all(afterSeq, limit) as { seq: number; event_id: string; body: string }[];
    return rows.map((r) => ({ ...r, body: JSON.parse(r.body) as Record<string, unknown> }));
  }

  /**
   * Events the MES took, marked in one transaction (the sender marks them in groups: one disk
   * flush per event would bound the rate at the disk's). A kill before the mark sends them again
   * under the same ids, which the MES counts once.
   */
  markSent(sent: readonly { seq: number; at: string }[]): void {
    if (sent.length === 0) return;
    this.db.transaction(() => {
      const mark = this.db.prepare("UPDATE mes_events SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE seq = ? AND state = 'pending'");
      for (const s of sent) mark.run(s.at, s.seq);
      this.db.prepare('UPDATE mes_state SET last_error = NULL, last_error_at = NULL, next_attempt_at = NULL, failures = 0 WHERE id = 1').run();
    }).immediate();
  }

  /** The MES refused the event outright (4xx): kept with its reason and not sent again; the next one goes. */
  markRefused(seq: number, at: string, error: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE mes_events SET state = 'refused', attempts = attempts + 1, last_error = ? WHERE seq = ? AND state = 'pending'").run(error, seq);
      this.db.prepare('UPDATE mes_state SET last_error = ?, last_error_at = ? WHERE id = 1').run(error, at);
    }).immediate();
  }

  /** No delivery now: the event stays first in line, tried again after the backoff of this many failures in a row. */
  markFailed(seq: number | null, at: Date, error: string): number {
    return this.db.transaction(() => {
      if (seq !== null) this.db.prepare('UPDATE mes_events SET attempts = attempts + 1, last_error = ? WHERE seq = ?').run(error, seq);
      const failures = (this.db.prepare('UPDATE mes_state SET failures = failures + 1, last_error = ?, last_error_at = ? WHERE id = 1 RETURNING failures').pluck().get(error, at.toISOString()) as number);
      this.db.prepare('UPDATE mes_state SET next_attempt_at = ? WHERE id = 1').run(new Date(at.getTime() + backoffMs(failures)).toISOString());
      return failures;
    }).immediate();
  }

  status(): MesStatusView {
    const n = this.db
      .prepare("SELECT SUM(state = 'pending') AS pending, SUM(state = 'sent') AS sent, SUM(state = 'refused') AS refused, MAX(sent_at) AS last_sent_at FROM mes_events")
      .get() as { pending: number | null; sent: number | null; refused: number | null; last_sent_at: string | null };
    const s = this.db.prepare('SELECT last_error, next_attempt_at FROM mes_state WHERE id = 1').get() as { last_error: string | null; next_attempt_at: string | null };
    return { pending: n.pending ?? 0, last_error: s.last_error, last_sent_at: n.last_sent_at, refused: n.refused ?? 0, sent: n.sent ?? 0, next_attempt_at: s.next_attempt_at };
  }
}

/**
 * A void as an event (devices.markVoid calls it in the void's own transaction): the unit's id
 * is dead, whoever voided it — `devices void`, an erase, a clone found, the factory server.
 */
export function queueVoidEvent(db: Db, row: { product_id: number; device_id: string; hwid: string | null; sn: string | null; key_version: number | null; port: string | null; station: string | null }, at: string): void {
  new MesOutbox(db).addIfReporting({
    station: new Settings(db).get('station_code') ?? row.station,
    slot: row.port,
    product_id: row.product_id,
    device_id: row.device_id,
    hwid: row.hwid,
    sn: row.sn,
    result: 'VOID',
    step: null,
    code: null,
    key_version: row.key_version,
    push_test: null,
    at,
  });
}
