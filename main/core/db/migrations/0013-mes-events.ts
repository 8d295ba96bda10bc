import type { Migration } from '../migration.js';

/**
 * The MES report outbox: one row per result event (PASS, FAIL, EXISTING, VOID), written in the
 * transaction that records the result, so a kill between the result and its report loses
 * nothing; `seq` is the order they are sent in, one at a time. `event_id` is made once, at the
 * write, and is the `Idempotency-Key` of every attempt: a report the MES got but whose answer
 * was lost goes again under the same id. `body` is the event exactly as it is sent. `refused`:
 * the MES answered 4xx, kept and counted, not sent again (sending it again cannot help).
 * `mes_state` keeps the last failure and when the next attempt is due, for `wxprov mes status`.
 */
export const m0013: Migration = {
  version: 13,
  name: 'mes-events',
  up: `
    CREATE TABLE mes_events (
      seq        INTEGER PRIMARY KEY,
      event_id   TEXT NOT NULL UNIQUE,
      body       TEXT NOT NULL CHECK (json_valid(body)),
      state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused')),
      attempts   INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      sent_at    TEXT,
      last_error TEXT
    );
    CREATE INDEX mes_events_pending ON mes_events (seq) WHERE state = 'pending';
    CREATE TABLE mes_state (
      id              INTEGER PRIMARY KEY CHECK (id = 1),
      last_error      TEXT,
      last_error_at   TEXT,
      next_attempt_at TEXT,
      failures        INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO mes_state (id) VALUES (1);
  `,
};
