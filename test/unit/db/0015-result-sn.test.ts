import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/open.js';
import { MIGRATIONS } from '../../../main/core/db/migrations/index.js';
import { dbAt } from '../../helpers/db.js';

const addResult = (db: ReturnType<typeof dbAt>, sn: string | null) =>
  db
    .prepare("INSERT INTO unit_results (at, station, port, product_id, result, device_id, hwid, step, code, sn) VALUES ('2026-11-30T08:00:00.000Z', 'A1', 'p1', 1, 'FAIL', NULL, 'HW1', 'mes_check', 'MES_REJECTED', ?)")
    .run(sn);

describe('migration 0015-result-sn', () => {
  it('keeps the results; a result keeps its SN; a joined station uplinks it with the result', () => {
    const db = dbAt(14);
    db.prepare("INSERT INTO unit_results (at, station, port, product_id, result, step) VALUES ('t', 'A1', 'p1', 1, 'PASS', 'record')").run();
    const before = db.prepare('SELECT * FROM unit_results').all();
    migrate(db, MIGRATIONS.filter((m) => m.version <= 15));
    expect(db.pragma('user_version', { simple: true })).toBe(15);
    expect(db.prepare('SELECT * FROM unit_results').all()).toEqual(before.map((r) => ({ ...(r as object), sn: null })));
    // Not joined: nothing queued.
    addResult(db, 'SN-1');
    expect(db.prepare('SELECT COUNT(*) FROM fleet_uplink').pluck().get()).toBe(0);
    db.prepare(
      "INSERT INTO fleet_membership (id, server_url, fingerprint, server_cert_pem, station_code, credential_sealed, joined_at, joined_by) VALUES (1, 'https://s', ?, 'pem', 'A1', x'00', 't', 'u')",
    ).run('a'.repeat(64));
    const id = Number(addResult(db, 'SN-2').lastInsertRowid);
    addResult(db, null);
    const sent = (db.prepare("SELECT payload FROM fleet_uplink WHERE kind = 'result' ORDER BY id").pluck().all() as string[]).map((p) => JSON.parse(p));
    expect(sent).toEqual([
      expect.objectContaining({ row_id: -id, version: 1, kind: 'result', result: 'FAIL', hwid: 'HW1', sn: 'SN-2', step: 'mes_check', code: 'MES_REJECTED' }),
      expect.objectContaining({ row_id: -(id + 1), sn: null }),
    ]);
  });
});
