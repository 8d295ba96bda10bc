import { describe, expect, it } from 'vitest';
import { verifyDeviceId } from '../../main/core/keys/ecdsa.js';
import { nullLogger } from '../../main/core/log/logger.js';
import { migrateServerDb } from '../../main/core/server/db/migrate.js';
import type { ServerDb } from '../../main/core/server/db/server-db.js';
import { BlockService } from '../../main/core/server/fleet/blocks.js';
import { buildDownlink } from '../../main/core/server/fleet/downlink.js';
import { SignService } from '../../main/core/server/fleet/sign.js';
import { STORES, skipStore, useStore } from '../helpers/server-db.js';
import { addProduct, addStation, seedKeys, type SeededFleet } from '../helpers/server-fleet.js';

// Blocks of pre-signed ids and online signing, on the server's store (real PostgreSQL and
// PGlite): minted, signed, written to the fleet ledger and queued for registration in one
// transaction; the same request answered again; ids unique across stations; an id given by
// hand held by one station only.

const AT = new Date('2026-11-30T08:00:00Z');

describe.each(STORES)('blocks and online signing on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);
    let fleet: SeededFleet;
    let queued = 0;

    const setup = async (template: string | null = 'L{station}{seq:5}'): Promise<{ db: ServerDb; blocks: BlockService; signing: SignService }> => {
      const db = store();
      await migrateServerDb(db);
      await addStation(db, 'A1');
      await addStation(db, 'B2');
      await addProduct(db, 1001, { template });
      await addProduct(db, 1002, { template: 'S{sn}' });
      fleet = await seedKeys(db, [1001, 1002]);
      queued = 0;
      const deps = { db, now: () => AT, log: nullLogger, signers: fleet.signers, onQueued: () => queued++ };
      return { db, blocks: new BlockService(deps), signing: new SignService(deps) };
    };

    it('mints a block from the template with the station sequence, signed, in the ledger and queued, before it answers', async () => {
      const { db, blocks } = await setup();
      const b = await blocks.mint('A1', 1001, 5, 'req-1');
      expect(b).toMatchObject({ product_id: 1001, key_version: 1 });
      expect(b.ids.map((x) => x.device_id)).toEqual(['LA100001', 'LA100002', 'LA100003', 'LA100004', 'LA100005']);
      for (const x of b.ids) expect(verifyDeviceId(fleet.publicKeys.get(1001)!, 1001, x.device_id, x.signature)).toBe(true);
      const ledger = (await db.query('SELECT device_id, station, status, signature, key_version, block_id FROM devices ORDER BY id')).rows;
      expect(ledger).toEqual(b.ids.map((x) => ({ device_id: x.device_id, station: 'A1', status: 'allocated', signature: x.signature, key_version: 1, block_id: Number(b.block_id) })));
      expect((await db.query("SELECT count(*)::int AS n FROM registrations WHERE state = 'pending'")).rows[0].n).toBe(5);
      expect((await db.query('SELECT station, product_id, request_id, count, first_seq, last_seq, first_device_id, last_device_id FROM blocks')).rows).toEqual([
        { station: 'A1', product_id: 1001, request_id: 'req-1', count: 5, first_seq: 1, last_seq: 5, first_device_id: 'LA100001', last_device_id: 'LA100005' },
      ]);
      expect((await db.query("SELECT next_seq FROM id_sequences WHERE product_id = 1001 AND station = 'A1'")).rows[0].next_seq).toBe(6);
      expect((await db.query("SELECT action, station FROM audit WHERE action = 'block.mint'")).rows).toEqual([{ action: 'block.mint', station: 'A1' }]);
      expect(queued).toBe(1);
      // The station hears of its queued ids in its downlink.
      const d = await buildDownlink(db, 'A1', { hostAppId: 'wx0123456789abcdef' });
      expect(d.registrations.map((r) => [r.device_id, r.state])).toEqual(b.ids.map((x) => [x.device_id, 'pending']));
    });

    it('answers the same request id with the same block (same ids, same signatures), and a new one with the next ids', async () => {
      const { db, blocks } = await setup();
      const first = await blocks.mint('A1', 1001, 3, 'req-1');
      expect(await blocks.mint('A1', 1001, 3, 'req-1')).toEqual(first);
      expect(await blocks.mint('A1', 1001, 999, 'req-1')).toEqual(first);
      await expect(blocks.mint('A1', 1002, 3, 'req-1')).rejects.toMatchObject({ code: 'FLEET_REQUEST_REUSED' });
      const second = await blocks.mint('A1', 1001, 3, 'req-2');
      expect(second.ids.map((x) => x.device_id)).toEqual(['LA100004', 'LA100005', 'LA100006']);
      expect((await db.query('SELECT count(*)::int AS n FROM devices')).rows[0].n).toBe(6);
      expect((await db.query('SELECT count(*)::int AS n FROM registrations')).rows[0].n).toBe(6);
    });

    it('keeps ids unique across stations (each has its own sequence and its code in the id) and steps over ids already held', async () => {
      const { db, blocks, signing } = await setup();
      // An id given by hand on the sequence's path: the block steps over it.
      await signing.sign('B2', { product_id: 1001, device_id: 'LA100002', request_id: 's-1' });
      const a = await blocks.mint('A1', 1001, 3, 'a');
      const b = await blocks.mint('B2', 1001, 3, 'b');
      expect(a.ids.map((x) => x.device_id)).toEqual(['LA100001', 'LA100003', 'LA100004']);
      expect(b.ids.map((x) => x.device_id)).toEqual(['LB200001', 'LB200002', 'LB200003']);
      const all = (await db.query<{ device_id: string; station: string }>('SELECT device_id, station FROM devices ORDER BY device_id')).rows;
      expect(new Set(all.map((r) => r.device_id)).size).toBe(all.length);
      expect(all.find((r) => r.device_id === 'LA100002')?.station).toBe('B2');
      expect((await db.query("SELECT next_seq FROM id_sequences WHERE station = 'A1'")).rows[0].next_seq).toBe(5);
    });

    it('mints 1,000 ids (the default block) in one request, in seconds at most', async () => {
      const { db, blocks } = await setup('{station}{date:YYMMDD}{seq:6}');
      const t = performance.now();
      const b = await blocks.mint('A1', 1001, 1000, 'big');
      const ms = performance.now() - t;
      expect(b.ids).toHaveLength(1000);
      expect(b.ids[0].device_id).toMatch(/^A1\d{6}000001$/);
      expect(new Set(b.ids.map((x) => x.device_id)).size).toBe(1000);
      expect((await db.query("SELECT count(*)::int AS n FROM registrations WHERE state = 'pending'")).rows[0].n).toBe(1000);
      expect(ms).toBeLessThan(5000);
    });

    it('refuses a template that needs the unit ({sn}, {hwid}), a product without a key, and an unknown product, with nothing written', async () => {
      const { db, blocks } = await setup();
      await expect(blocks.mint('A1', 1002, 5, 'x')).rejects.toMatchObject({ code: 'FLEET_TEMPLATE_NOT_BLOCKABLE', params: { product_id: 1002, token: '{sn}' } });
      await addProduct(db, 1003);
      await expect(blocks.mint('A1', 1003, 5, 'y')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
      await expect(blocks.mint('A1', 4242, 5, 'z')).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
      expect((await db.query('SELECT count(*)::int AS n FROM devices')).rows[0].n).toBe(0);
      expect((await db.query('SELECT count(*)::int AS n FROM blocks')).rows[0].n).toBe(0);
    });

    it('refuses to sign while the keyring is locked (no passphrase): KEY_PASSPHRASE_REQUIRED, nothing written', async () => {
      const { db, blocks } = await setup();
      fleet.keyring.close();
      await expect(blocks.mint('A1', 1001, 2, 'locked')).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_REQUIRED' });
      expect((await db.query('SELECT count(*)::int AS n FROM devices')).rows[0].n).toBe(0);
    });

    it('signs a given id online: reserved for the station, queued, idempotent; another station gets DEVICE_ID_TAKEN', async () => {
      const { db, signing } = await setup();
      const s = await signing.sign('A1', { product_id: 1002, device_id: 'SN0001', hwid: 'HW1', sn: 'SN0001', request_id: 'r1' });
      expect(s.key_version).toBe(1);
      expect(verifyDeviceId(fleet.publicKeys.get(1002)!, 1002, 'SN0001', s.signature)).toBe(true);
      expect((await db.query('SELECT station, status, hwid, sn, signature FROM devices')).rows).toEqual([{ station: 'A1', status: 'allocated', hwid: 'HW1', sn: 'SN0001', signature: s.signature }]);
      expect((await db.query('SELECT state FROM registrations')).rows).toEqual([{ state: 'pending' }]);
      // the same request, or the same station again under another request id: the same signature, nothing doubled
      expect(await signing.sign('A1', { product_id: 1002, device_id: 'SN0001', request_id: 'r1' })).toEqual(s);
      expect(await signing.sign('A1', { product_id: 1002, device_id: 'SN0001', request_id: 'r2' })).toEqual(s);
      await expect(signing.sign('A1', { product_id: 1002, device_id: 'SN0002', request_id: 'r1' })).rejects.toMatchObject({ code: 'FLEET_REQUEST_REUSED' });
      await expect(signing.sign('B2', { product_id: 1002, device_id: 'SN0001', request_id: 'r1' })).rejects.toMatchObject({ code: 'DEVICE_ID_TAKEN', params: { device_id: 'SN0001' } });
      await expect(signing.sign('B2', { product_id: 1002, device_id: 'bad id!', request_id: 'r9' })).rejects.toMatchObject({ code: 'INPUT_BAD_DEVICE_ID' });
      expect((await db.query('SELECT count(*)::int AS n FROM devices')).rows[0].n).toBe(1);
      expect((await db.query('SELECT count(*)::int AS n FROM registrations')).rows[0].n).toBe(1);
      // a void id is never signed again
      await db.query("UPDATE devices SET status = 'void', void_reason = 'erased'");
      await expect(signing.sign('A1', { product_id: 1002, device_id: 'SN0001', request_id: 'r3' })).rejects.toMatchObject({ code: 'DEVICE_STATE_INVALID' });
    });
  });
});
