import { describe, expect, it } from 'vitest';
import { nullLogger } from '../../main/core/log/logger.js';
import { migrateServerDb } from '../../main/core/server/db/migrate.js';
import type { ServerDb } from '../../main/core/server/db/server-db.js';
import { BlockService } from '../../main/core/server/fleet/blocks.js';
import { buildDownlink } from '../../main/core/server/fleet/downlink.js';
import { ingestUplink } from '../../main/core/server/fleet/uplink.js';
import { parseUplinkRows } from '../../main/core/server/fleet/uplink-rows.js';
import { StationService } from '../../main/core/server/stations/station-service.js';
import { STORES, skipStore, useStore } from '../helpers/server-db.js';
import { T0, addProduct, addStation, seedKeys, uplinkRow } from '../helpers/server-fleet.js';

// The uplink on the server's store (real PostgreSQL and PGlite): a station's ledger changes
// applied once per (station, row, version), the ledger never moved backwards or across units,
// voids cancelling what waits, push tests kept, and conflicts recorded (never merged) and told
// to both stations.

const AT = '2026-11-30T09:00:00.000Z';
const HOST = 'wx0123456789abcdef';

describe.each(STORES)('the uplink on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);

    const setup = async (): Promise<{ db: ServerDb; up: (station: string, rows: Record<string, unknown>[]) => ReturnType<typeof ingestUplink> }> => {
      const db = store();
      await migrateServerDb(db);
      await addStation(db, 'A1');
      await addStation(db, 'B2');
      await addProduct(db, 1001, { template: 'L{station}{seq:5}' });
      return { db, up: (station, rows) => ingestUplink(db, station, parseUplinkRows({ rows: rows.map((r) => ({ ...r, station })) }), AT, nullLogger) };
    };
    const ledger = (db: ServerDb) =>
      db.query('SELECT device_id, station, status, hwid, sn, port, operator, src_row, src_version, void_reason FROM devices ORDER BY device_id').then((r) => r.rows);

    it('applies a batch once: the same batch again is all duplicates and changes nothing', async () => {
      const { db, up } = await setup();
      const rows = [
        uplinkRow({ row_id: 1, version: 1, device_id: 'LA100001', hwid: 'HW1' }),
        uplinkRow({ row_id: 1, version: 2, device_id: 'LA100001', hwid: 'HW1', status: 'written' }),
        uplinkRow({ row_id: 1, version: 3, device_id: 'LA100001', hwid: 'HW1', status: 'verified', sn: 'SN1' }),
        uplinkRow({ row_id: 2, version: 1, device_id: 'LA100002', hwid: 'HW2', status: 'failed', last_error: 'write: UNIT_TIMEOUT' }),
      ];
      expect(await up('A1', rows)).toEqual({ accepted: 4, duplicates: 0, conflicts: [] });
      const once = await ledger(db);
      expect(once).toEqual([
        { device_id: 'LA100001', station: 'A1', status: 'verified', hwid: 'HW1', sn: 'SN1', port: '/dev/ttyUSB0', operator: 'op1', src_row: 1, src_version: 3, void_reason: null },
        { device_id: 'LA100002', station: 'A1', status: 'failed', hwid: 'HW2', sn: null, port: '/dev/ttyUSB0', operator: 'op1', src_row: 2, src_version: 1, void_reason: null },
      ]);
      const versions = (await db.query('SELECT version FROM devices ORDER BY device_id')).rows;
      expect(await up('A1', rows)).toEqual({ accepted: 0, duplicates: 4, conflicts: [] });
      expect(await ledger(db)).toEqual(once);
      expect((await db.query('SELECT version FROM devices ORDER BY device_id')).rows).toEqual(versions);
      expect((await db.query('SELECT count(*)::int AS n FROM uplink_receipts')).rows[0].n).toBe(4);
      // half new, half seen: only the new half counts
      expect(await up('A1', [rows[3], uplinkRow({ row_id: 2, version: 2, device_id: 'LA100002', hwid: 'HW2', status: 'verified' })])).toMatchObject({ accepted: 1, duplicates: 1 });
    });

    it('the same batch sent twice at once (a resend racing the first try) is taken once: one answer takes it, the other finds it all duplicates', async () => {
      const { db, up } = await setup();
      const rows = Array.from({ length: 40 }, (_, i) =>
        uplinkRow({ row_id: i + 1, version: 1, device_id: `LA2${String(i + 1).padStart(5, '0')}`, hwid: `HWR${i + 1}`, status: 'verified', sn: `SNR${i + 1}` }),
      );
      const answers = await Promise.all([up('A1', rows), up('A1', rows), up('A1', rows)]);
      expect(answers.map((a) => a.accepted).sort()).toEqual([0, 0, 40]);
      expect(answers.map((a) => a.duplicates).sort()).toEqual([0, 40, 40]);
      expect(answers.every((a) => a.conflicts.length === 0)).toBe(true);
      expect((await db.query('SELECT count(*)::int AS n FROM uplink_receipts')).rows[0].n).toBe(40);
      expect((await db.query("SELECT count(*)::int AS n FROM devices WHERE station = 'A1' AND status = 'verified'")).rows[0].n).toBe(40);
      expect((await db.query('SELECT count(*)::int AS n FROM conflicts')).rows[0].n).toBe(0);
    });

    it('fills in the ids of a block as the station uses them, and never moves a row back to an older version', async () => {
      const { db, up } = await setup();
      const fleet = await seedKeys(db, [1001]);
      const b = await new BlockService({ db, now: () => new Date(T0), log: nullLogger, signers: fleet.signers }).mint('A1', 1001, 2, 'r');
      const id = b.ids[0];
      await up('A1', [uplinkRow({ row_id: 9, version: 2, device_id: id.device_id, hwid: 'HW9', status: 'verified', signature: id.signature })]);
      await up('A1', [uplinkRow({ row_id: 9, version: 1, device_id: id.device_id, hwid: 'HW9', status: 'allocated', signature: id.signature })]);
      expect((await db.query('SELECT status, hwid, signature, block_id, src_version FROM devices WHERE device_id = $1', [id.device_id])).rows[0]).toEqual({
        status: 'verified',
        hwid: 'HW9',
        signature: id.signature,
        block_id: Number(b.block_id),
        src_version: 2,
      });
    });

    it('a void is for good and cancels the pending registration; another station cannot move a row it does not hold', async () => {
      const { db, up } = await setup();
      const fleet = await seedKeys(db, [1001]);
      const b = await new BlockService({ db, now: () => new Date(T0), log: nullLogger, signers: fleet.signers }).mint('A1', 1001, 2, 'r');
      const [x, y] = b.ids.map((i) => i.device_id);
      await up('A1', [uplinkRow({ row_id: 1, version: 1, device_id: x, hwid: 'HWX' }), uplinkRow({ row_id: 1, version: 2, kind: 'void', device_id: x, hwid: 'HWX', status: 'void', last_error: 'erased at the station' })]);
      expect((await db.query('SELECT status, void_reason FROM devices WHERE device_id = $1', [x])).rows[0]).toEqual({ status: 'void', void_reason: 'erased at the station' });
      expect((await db.query('SELECT device_id, state FROM registrations ORDER BY device_id')).rows).toEqual([
        { device_id: x, state: 'cancelled' },
        { device_id: y, state: 'pending' },
      ]);
      await up('A1', [uplinkRow({ row_id: 1, version: 3, device_id: x, hwid: 'HWX', status: 'verified' })]);
      expect((await db.query('SELECT status FROM devices WHERE device_id = $1', [x])).rows[0].status).toBe('void');
      // B2 reports A1's id with no hwid of its own: taken as a receipt, the ledger row stays A1's
      expect(await up('B2', [uplinkRow({ row_id: 1, version: 1, device_id: y, status: 'verified', operator: 'intruder' })])).toMatchObject({ accepted: 1, conflicts: [] });
      expect((await db.query('SELECT station, status, operator FROM devices WHERE device_id = $1', [y])).rows[0]).toEqual({ station: 'A1', status: 'allocated', operator: null });
      // every station hears of the void
      const d = await buildDownlink(db, 'B2', { hostAppId: HOST });
      expect(d.revoked).toEqual([{ product_id: 1001, device_id: x, reason: 'erased at the station' }]);
    });

    it('keeps every push-test result, with the unit it tested', async () => {
      const { db, up } = await setup();
      const test = (version: number, result: string) =>
        uplinkRow({ row_id: 4, version, kind: 'unit_test', device_id: 'LA100004', hwid: 'HW4', status: 'verified', test: { test: 'push', result, detail: result === 'FAIL' ? 'WX_PUSH_BAD_TOKEN' : null, at: AT, port: 'COM3' } });
      await up('A1', [uplinkRow({ row_id: 4, version: 1, device_id: 'LA100004', hwid: 'HW4', status: 'verified' }), test(2, 'FAIL'), test(3, 'PASS')]);
      expect((await db.query('SELECT device_id, station, hwid, test, result, detail, port FROM unit_tests ORDER BY id')).rows).toEqual([
        { device_id: 'LA100004', station: 'A1', hwid: 'HW4', test: 'push', result: 'FAIL', detail: 'WX_PUSH_BAD_TOKEN', port: 'COM3' },
        { device_id: 'LA100004', station: 'A1', hwid: 'HW4', test: 'push', result: 'PASS', detail: null, port: 'COM3' },
      ]);
    });

    it('records an id reported from two units, keeps the ledger row, and tells both stations', async () => {
      const { db, up } = await setup();
      await up('A1', [uplinkRow({ row_id: 1, version: 1, device_id: 'SHARED1', hwid: 'HWA', status: 'verified' })]);
      const r = await up('B2', [uplinkRow({ row_id: 7, version: 1, device_id: 'SHARED1', hwid: 'HWB', status: 'verified', operator: 'op9' })]);
      expect(r.accepted).toBe(1);
      expect(r.conflicts).toEqual([
        expect.objectContaining({ kind: 'id_two_units', product_id: 1001, device_id: 'SHARED1', hwid: 'HWA', station: 'A1', other_device_id: 'SHARED1', other_hwid: 'HWB', other_station: 'B2', seen: 1 }),
      ]);
      expect((await db.query("SELECT station, hwid, operator FROM devices WHERE device_id = 'SHARED1'")).rows).toEqual([{ station: 'A1', hwid: 'HWA', operator: 'op1' }]);
      // the report that was not applied is kept whole in the conflict
      expect((await db.query('SELECT detail FROM conflicts')).rows[0].detail).toMatchObject({ row_id: 7, hwid: 'HWB', operator: 'op9' });
      for (const s of ['A1', 'B2']) expect((await buildDownlink(db, s, { hostAppId: HOST })).conflicts.map((c) => c.id)).toEqual([r.conflicts[0].id]);
      // the same station's own row with another unit, later: the same pair is one conflict, seen twice
      await up('B2', [uplinkRow({ row_id: 7, version: 2, device_id: 'SHARED1', hwid: 'HWB', status: 'verified' })]);
      expect((await db.query('SELECT count(*)::int AS n, max(seen) AS seen FROM conflicts')).rows[0]).toEqual({ n: 1, seen: 2 });
    });

    it('records a unit (hwid) on two live ids; a void id beside it is no conflict', async () => {
      const { db, up } = await setup();
      await up('A1', [uplinkRow({ row_id: 1, version: 1, device_id: 'ONE', hwid: 'HWZ', status: 'failed' })]);
      const r = await up('B2', [uplinkRow({ row_id: 5, version: 1, device_id: 'TWO', hwid: 'HWZ', status: 'verified' })]);
      expect(r.conflicts).toEqual([expect.objectContaining({ kind: 'hwid_two_ids', device_id: 'ONE', station: 'A1', hwid: 'HWZ', other_device_id: 'TWO', other_station: 'B2', other_hwid: 'HWZ' })]);
      // both ids stay in the ledger as reported: nothing merged
      expect((await db.query("SELECT device_id, station, status FROM devices WHERE hwid = 'HWZ' ORDER BY device_id")).rows).toEqual([
        { device_id: 'ONE', station: 'A1', status: 'failed' },
        { device_id: 'TWO', station: 'B2', status: 'verified' },
      ]);
      // erased and flashed again on one station (old id void first): no conflict
      const again = await up('A1', [
        uplinkRow({ row_id: 2, version: 1, device_id: 'OLD', hwid: 'HWE', status: 'verified' }),
        uplinkRow({ row_id: 2, version: 2, kind: 'void', device_id: 'OLD', hwid: 'HWE', status: 'void', last_error: 'erased' }),
        uplinkRow({ row_id: 3, version: 1, device_id: 'NEW', hwid: 'HWE', status: 'verified' }),
      ]);
      expect(again.conflicts).toEqual([]);
    });

    it('two stations reporting one unit at the same moment: the batch that checks second finds it (a lock per unit; a batch of many units takes the whole check)', async () => {
      const { db, up } = await setup();
      const own = (prefix: string, n: number, rowFrom: number) =>
        Array.from({ length: n }, (_, k) => uplinkRow({ row_id: rowFrom + k, version: 1, device_id: `${prefix}${k}`, hwid: `HW${prefix}${k}`, status: 'verified' }));
      const pairs = 8;
      const answers = await Promise.all(
        Array.from({ length: pairs }, (_, i) => [
          up('A1', [uplinkRow({ row_id: 1000 + i, version: 1, device_id: `RA${i}`, hwid: `HWR${i}`, status: 'verified' }), ...own(`A${i}X`, 5, 2000 + i * 10)]),
          // B2's first batch carries 301 units: more than are locked one by one
          up('B2', [uplinkRow({ row_id: 1000 + i, version: 1, device_id: `RB${i}`, hwid: `HWR${i}`, status: 'verified' }), ...own(`B${i}X`, i === 0 ? 300 : 5, 5000 + i * 1000)]),
        ]).flat(),
      );
      // each shared unit is one conflict, told in exactly one answer
      expect(answers.flatMap((a) => a.conflicts.map((c) => c.hwid)).sort()).toEqual(Array.from({ length: pairs }, (_, i) => `HWR${i}`).sort());
      expect((await db.query("SELECT count(*)::int AS n FROM conflicts WHERE kind = 'hwid_two_ids'")).rows[0].n).toBe(pairs);
    });

    it('adds ids and products the server never saw (a report is never refused for them), and refuses a malformed row whole', async () => {
      const { db, up } = await setup();
      await up('A1', [uplinkRow({ row_id: 1, version: 1, product_id: 777, device_id: 'OLDID', hwid: 'H', status: 'verified' })]);
      expect((await db.query('SELECT product_id, origin FROM products WHERE product_id = 777')).rows).toEqual([{ product_id: 777, origin: 'recorded' }]);
      expect(() => parseUplinkRows({ rows: [uplinkRow({ row_id: 1, version: 1, device_id: 'bad id' })] })).toThrow(expect.objectContaining({ code: 'FLEET_BAD_REQUEST' }));
      expect(() => parseUplinkRows({ rows: [uplinkRow({ row_id: 1, version: 1, device_id: 'X', status: 'lost' })] })).toThrow(expect.objectContaining({ code: 'FLEET_BAD_REQUEST' }));
      expect(() => parseUplinkRows({ rows: [uplinkRow({ row_id: 1, version: 0, device_id: 'X' })] })).toThrow(expect.objectContaining({ code: 'FLEET_BAD_REQUEST' }));
      expect(() => parseUplinkRows({ nope: 1 })).toThrow(expect.objectContaining({ code: 'FLEET_BAD_REQUEST' }));
    });

    // Stations from server migration 0010 on send each row with its place in their outbox (seq).
    const seqRows = (first: number, n: number, o: Record<string, unknown> = {}) =>
      Array.from({ length: n }, (_, i) => ({
        ...uplinkRow({ row_id: first + i, version: 1, device_id: `LS${String(first + i).padStart(5, '0')}`, hwid: `HWS${first + i}`, status: 'verified', ...o }),
        seq: first + i,
      }));
    const mark = async (db: ServerDb, station: string) => (await db.query<{ seq: number }>('SELECT seq FROM uplink_marks WHERE station = $1', [station])).rows[0]?.seq;
    const receipts = async (db: ServerDb) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM uplink_receipts')).rows[0].n;

    it('rows with their outbox place are taken up to the station\'s mark: a resend, whole or overlapping, is duplicates, and no receipt is kept per row', async () => {
      const { db, up } = await setup();
      await db.query("INSERT INTO uplink_marks (station, seq, updated_at) VALUES ('A1', 0, now())");
      expect(await up('A1', seqRows(1, 4))).toEqual({ accepted: 4, duplicates: 0, conflicts: [] });
      expect(await mark(db, 'A1')).toBe(4);
      const once = await ledger(db);
      expect(once.map((r) => r.device_id)).toEqual(['LS00001', 'LS00002', 'LS00003', 'LS00004']);
      expect(await up('A1', seqRows(1, 4))).toEqual({ accepted: 0, duplicates: 4, conflicts: [] });
      expect(await ledger(db)).toEqual(once);
      // A batch that starts below the mark (a station that sends more rows a request than it did): only the rows above count.
      expect(await up('A1', seqRows(3, 4))).toEqual({ accepted: 2, duplicates: 2, conflicts: [] });
      expect(await mark(db, 'A1')).toBe(6);
      expect((await ledger(db)).length).toBe(6);
      expect(await receipts(db)).toBe(0);
      // Another station's mark is its own.
      await db.query("INSERT INTO uplink_marks (station, seq, updated_at) VALUES ('B2', 0, now())");
      expect(await up('B2', seqRows(101, 2))).toMatchObject({ accepted: 2, duplicates: 0 });
      expect(await mark(db, 'A1')).toBe(6);
    });

    it('the same batch with outbox places sent three times at once is taken once', async () => {
      const { db, up } = await setup();
      await db.query("INSERT INTO uplink_marks (station, seq, updated_at) VALUES ('A1', 0, now())");
      const rows = seqRows(1, 40);
      const answers = await Promise.all([up('A1', rows), up('A1', rows), up('A1', rows)]);
      expect(answers.map((a) => a.accepted).sort()).toEqual([0, 0, 40]);
      expect(answers.map((a) => a.duplicates).sort()).toEqual([0, 40, 40]);
      expect((await db.query("SELECT count(*)::int AS n FROM devices WHERE station = 'A1' AND status = 'verified'")).rows[0].n).toBe(40);
      expect(await mark(db, 'A1')).toBe(40);
    });

    it('a station enrolled before the marks: its first batch with outbox places is checked against its receipts (the batch it resends, upgraded, after a lost answer)', async () => {
      const { db, up } = await setup();
      const tested = { kind: 'unit_test', test: { test: 'push', result: 'PASS', detail: null, at: T0, port: 'COM1' } };
      const old = seqRows(1, 3, tested).map(({ seq: _, ...r }) => r);
      expect(await up('A1', old)).toMatchObject({ accepted: 3, duplicates: 0 });
      expect(await mark(db, 'A1')).toBeUndefined();
      // Upgraded, it sends them again with their places, and one more.
      expect(await up('A1', seqRows(1, 4, tested))).toMatchObject({ accepted: 1, duplicates: 3 });
      expect(await mark(db, 'A1')).toBe(4);
      expect((await db.query('SELECT count(*)::int AS n FROM unit_tests')).rows[0].n).toBe(4);
      // From then on by the mark alone.
      expect(await up('A1', seqRows(5, 2))).toMatchObject({ accepted: 2, duplicates: 0 });
      expect(await receipts(db)).toBe(4);
      expect(await mark(db, 'A1')).toBe(6);
    });

    it('enrolling a station starts its mark at 0, and enrolling the code again after a revoke starts it over (a station set up afresh numbers its outbox from 1)', async () => {
      const { db, up } = await setup();
      const stations = new StationService(db, { now: () => new Date(AT), log: nullLogger });
      await stations.enroll('C3', 3_600_000, 'test');
      expect(await mark(db, 'C3')).toBe(0);
      await db.query("UPDATE stations SET state = 'joined', credential_hash = repeat('c', 64), joined_at = now(), enrol_code_hash = NULL, enrol_expires_at = NULL WHERE code = 'C3'");
      expect(await up('C3', seqRows(1, 5))).toMatchObject({ accepted: 5 });
      await stations.revoke('C3', 'test');
      await stations.enroll('C3', 3_600_000, 'test');
      expect(await mark(db, 'C3')).toBe(0);
      expect(await up('C3', seqRows(1, 2).map((r, i) => ({ ...r, device_id: `LN0000${i + 1}` })))).toMatchObject({ accepted: 2, duplicates: 0 });
    });

    it('refuses outbox places that are not on every row or not rising, naming the row', async () => {
      const rows = seqRows(1, 3);
      const refused = (rs: unknown[]) => {
        try {
          parseUplinkRows({ rows: rs });
        } catch (e) {
          return e as { code: string; params: { detail: string } };
        }
        throw new Error('taken');
      };
      expect(refused([rows[0], { ...rows[1], seq: undefined }, rows[2]])).toMatchObject({ code: 'FLEET_BAD_REQUEST', params: { detail: expect.stringContaining('rows[1]') } });
      expect(refused([rows[1], rows[0]])).toMatchObject({ code: 'FLEET_BAD_REQUEST', params: { detail: expect.stringContaining('rows[1]: seq 1') } });
      expect(refused([rows[0], rows[0]])).toMatchObject({ code: 'FLEET_BAD_REQUEST' });
      expect(refused([{ ...rows[0], seq: 0 }])).toMatchObject({ code: 'FLEET_BAD_REQUEST', params: { detail: expect.stringContaining('seq') } });
      expect(parseUplinkRows({ rows }).map((r) => r.seq)).toEqual([1, 2, 3]);
    });
  });
});
