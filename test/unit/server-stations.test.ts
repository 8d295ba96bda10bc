import { describe, expect, it } from 'vitest';
import { nullLogger } from '../../main/core/log/logger.js';
import { migrateServerDb } from '../../main/core/server/db/migrate.js';
import { ServerKeyring } from '../../main/core/server/keys/keyring.js';
import { StationService } from '../../main/core/server/stations/station-service.js';
import { caught } from '../helpers/caught.js';
import { STORES, skipStore, useStore } from '../helpers/server-db.js';

// Stations and the keyring on both stores, with the clock in the test's hands.

describe.each(STORES)('server stations and keyring on %s', (kind) => {
  describe.skipIf(skipStore(kind))(kind, () => {
    const store = useStore(kind);
    let t = Date.parse('2026-11-30T08:00:00Z');
    const now = () => new Date(t);
    const ready = async () => {
      const db = store();
      await migrateServerDb(db);
      return { db, stations: new StationService(db, { now, log: nullLogger }) };
    };

    it('enrolls a code once even when two admins ask at the same moment', async () => {
      const { db, stations } = await ready();
      const both = await Promise.allSettled([stations.enroll('A1', 3600_000, 'admin:x'), stations.enroll('A1', 3600_000, 'admin:y')]);
      expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'FLEET_STATION_EXISTS' });
      const audit = (await db.query<{ action: string; station: string; actor: string }>('SELECT action, station, actor FROM audit')).rows;
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: 'station.enroll', station: 'A1' });
      // nothing of the code in the store but its hash
      const row = (await db.query<{ enrol_code_hash: string }>('SELECT enrol_code_hash FROM stations')).rows[0];
      const enrolled = (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ code: string }>).value;
      expect(row.enrol_code_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify((await db.query('SELECT * FROM stations')).rows)).not.toContain(enrolled.code);
    });

    it('expires an enrolment code at its time, and uses one up at its join', async () => {
      const { stations } = await ready();
      const e = await stations.enroll('B1', 60_000, 'admin');
      t += 60_000;
      expect((await caught(stations.join('B1', e.code))).code).toBe('FLEET_ENROL_REFUSED');
      t -= 1;
      const j = await stations.join(undefined, e.code);
      expect(j.station).toBe('B1');
      expect((await caught(stations.join('B1', e.code))).code).toBe('FLEET_ENROL_REFUSED');
      t += 5000;
      expect(await stations.authenticate(j.credential)).toEqual({ code: 'B1' });
      expect((await stations.list())[0]).toMatchObject({ station: 'B1', state: 'joined', last_contact: new Date(t).toISOString() });
      await stations.revoke('b1', 'admin');
      expect((await caught(stations.authenticate(j.credential))).code).toBe('FLEET_STATION_REVOKED');
      expect((await caught(stations.enroll('TOO-LONG-1', 1000, 'admin'))).code).toBe('INPUT_INVALID');
    });

    it('sets the keyring up with the first passphrase, opens it with that one only, and seals nothing while locked', async () => {
      const { db } = await ready();
      const ring = (passphrase?: string) => new ServerKeyring(db, { passphrase, now, actor: 'test', log: nullLogger });
      expect((await caught(ring('short').open())).code).toBe('CONFIG_INVALID');
      const first = ring('a good passphrase');
      expect(await first.open()).toBe('created');
      const blob = first.sealer().seal(Buffer.from('secret key bytes'));
      expect(blob.subarray(0, 9).toString()).toBe('WXS:env1:');
      const second = ring('a good passphrase');
      expect(await second.open()).toBe('unlocked');
      expect(second.sealer().unseal(blob).toString()).toBe('secret key bytes');
      expect((await caught(ring('another passphrase').open())).code).toBe('KEYSTORE_PASSPHRASE_WRONG');
      const none = ring(undefined);
      expect(await none.open()).toBe('no-passphrase');
      expect(() => none.sealer().seal(Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'KEY_PASSPHRASE_REQUIRED' }));
      second.close();
      expect(() => second.sealer().unseal(blob)).toThrow(expect.objectContaining({ code: 'KEY_PASSPHRASE_REQUIRED' }));
      const stored = JSON.stringify((await db.query("SELECT value FROM settings WHERE key = 'keyring'")).rows);
      expect(stored).not.toContain('a good passphrase');
    });
  });
});
