import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { dbAt } from '../../helpers/db.js';

describe('migration 0013-mes-events', () => {
  it('adds the report outbox and its one state row, leaving the results log as it was', () => {
    const db = dbAt(12);
    db.prepare("INSERT INTO unit_results (at, station, port, product_id, result, step) VALUES ('t', 'L1', '/dev/x', 1, 'PASS', 'record')").run();
    const before = db.prepare('SELECT * FROM unit_results').all();
    migrate(db, MIGRATIONS.filter((m) => m.version <= 13));
    expect(db.pragma('user_version', { simple: true })).toBe(13);
    expect(db.prepare('SELECT * FROM unit_results').all()).toEqual(before);
    expect(db.prepare('SELECT * FROM mes_state').all()).toEqual([{ id: 1, last_error: null, last_error_at: null, next_attempt_at: null, failures: 0 }]);
    expect(() => db.prepare('INSERT INTO mes_state (id) VALUES (2)').run()).toThrow(/CHECK/);
  });

  it('an event id once; a body that is JSON; only the three states', () => {
    const db = dbAt(13);
    const add = db.prepare('INSERT INTO mes_events (event_id, body, created_at, state) VALUES (?, ?, ?, ?)');
    add.run('e1', '{"result":"PASS"}', 't', 'pending');
    expect(() => add.run('e1', '{}', 't', 'pending')).toThrow(/UNIQUE/);
    expect(() => add.run('e2', 'not json', 't', 'pending')).toThrow(/CHECK/);
    expect(() => add.run('e3', '{}', 't', 'lost')).toThrow(/CHECK/);
    add.run('e4', '{}', 't', 'sent');
    add.run('e5', '{}', 't', 'refused');
    // Sent in the order written.
    expect(db.prepare('SELECT event_id FROM mes_events ORDER BY seq').pluck().all()).toEqual(['e1', 'e4', 'e5']);
  });
});
