import type { ServerMigration } from '../migration.js';

/**
 * The factory's MES held by the server for all its stations (`wxprov server mes set`): the
 * report outbox the server sends from. An event is added in the uplink transaction that brings
 * its result (or void) from a station, with an id made there and kept for every attempt
 * (`Idempotency-Key`); sent in `seq` order, one at a time. `refused`: the MES answered 4xx,
 * kept. `mes_state`: the last failure and the next attempt. The settings themselves are a
 * `settings` row (`mes`), the token only in the server's environment (WXPROV_MES_TOKEN).
 */
export const s0008: ServerMigration = {
  version: 8,
  name: 'mes',
  up: `
    CREATE TABLE mes_events (
      seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id   uuid NOT NULL UNIQUE,
      station    text NOT NULL,
      body       jsonb NOT NULL CHECK (body ->> 'event_id' = event_id::text),
      state      text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'refused')),
      attempts   integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      sent_at    timestamptz,
      last_error text
    );
    CREATE INDEX mes_events_pending ON mes_events (seq) WHERE state = 'pending';
    CREATE TABLE mes_state (
      id              integer PRIMARY KEY CHECK (id = 1),
      last_error      text,
      last_error_at   timestamptz,
      next_attempt_at timestamptz,
      failures        integer NOT NULL DEFAULT 0
    );
    INSERT INTO mes_state (id) VALUES (1);
  `,
};
