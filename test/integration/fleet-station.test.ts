import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintForms } from '../../main/core/fleet/fingerprint.js';
import { openPtyPair, type PtyPair } from '../../main/core/serial/pty.js';
import { SimDevice, type SimDeviceOptions } from '../../main/core/sim/device/index.js';
import { withLedger } from '../helpers/crash.js';
import { cli } from '../helpers/cli.js';
import { FleetDouble } from '../helpers/fleet-double.js';
import { readTree, tmpDir } from '../helpers/tmp.js';

// A station joined to a factory server (a double of it on loopback HTTPS with a self-signed
// certificate): join, status, sync, refusals, and units flashed from pre-signed blocks on real
// pseudo-terminals, with the server up, down and back.

const PID = 501;
const SN_PID = 502;

let fleet: FleetDouble;
let env: NodeJS.ProcessEnv;
const open: { pty: PtyPair; dev: SimDevice }[] = [];

beforeEach(async () => {
  fleet = await FleetDouble.start();
  fleet.blockSize = 6;
  fleet.addProduct({ product_id: PID, model_name: 'LAMP-F', id_template: 'FX{station}{seq:5}', appids: ['wxaaaaaaaaaaaaaaaa'] });
  fleet.addProduct({ product_id: SN_PID, model_name: 'TAG-F', id_template: 'SN{sn}' });
  env = { WXPROV_HOME: tmpDir(), WXPROV_KEY_PASSPHRASE: 'station passphrase', WXPROV_OPERATOR: 'op9' };
});
afterEach(async () => {
  while (open.length) {
    const o = open.pop()!;
    o.dev.stop();
    await o.pty.close();
  }
  await fleet.close().catch(() => {});
});

let n = 0;
async function unit(opts: SimDeviceOptions = {}): Promise<{ port: string; dev: SimDevice }> {
  const link = path.join(os.tmpdir(), `wxprov-fleet-${process.pid}-${n++}`);
  const pty = await openPtyPair(link);
  const dev = await SimDevice.boot(pty.link, { commitMs: 20, ...opts });
  open.push({ pty, dev });
  return { port: link, dev };
}

const join = (station = 'F1', fp: string = fleet.fingerprint, e = env) => cli(['fleet', 'join', '--server', fleet.url, '--fingerprint', fp, '--code', fleet.enroll(station), '--json'], e);
const status = async (e = env) => (await cli(['fleet', 'status', '--json'], e)).json;
const ledger = <T>(f: (db: import('better-sqlite3').Database) => T) => withLedger(env.WXPROV_HOME!, f);

describe('fleet join', () => {
  it('pins the certificate, takes the code the server enrolled, the first downlink and a full block per product before it returns', async () => {
    const r = await join('F1', fingerprintForms(fleet.fingerprint).colons);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ server: fleet.url, fingerprint: fleet.fingerprint, station_code: 'F1', blocks: { [PID]: 6, [SN_PID]: 0 }, errors: {} });
    const s = await status();
    expect(s).toMatchObject({ server: fleet.url, station_code: 'F1', uplink_pending: 0, blocks: { [PID]: 6, [SN_PID]: 0 }, joined: true, revoked: false, host_app_id: fleet.hostAppId });
    expect(typeof s.last_contact).toBe('string');
    // The station's own setting is the server's code now; products and apps came down.
    expect((await cli(['config', 'get', 'station_code'], env)).stdout.trim()).toBe('F1');
    const products = (await cli(['product', 'list', '--json'], env)).json;
    expect(JSON.stringify(products)).toContain('LAMP-F');
    ledger((db) => {
      expect(db.prepare('SELECT id_template FROM products WHERE product_id = ?').pluck().get(PID)).toBe('FX{station}{seq:5}');
      expect(db.prepare("SELECT device_id FROM fleet_ids WHERE state = 'unused' ORDER BY id").pluck().all()).toEqual(['FXF100001', 'FXF100002', 'FXF100003', 'FXF100004', 'FXF100005', 'FXF100006']);
      // The station holds no private key.
      expect(db.prepare('SELECT COUNT(*) FROM product_keys').pluck().get()).toBe(0);
    });
    // The credential is nowhere in clear: not in the database, its WAL or the logs.
    const credential = fleet.credentials.at(-1)!;
    for (const f of readTree(env.WXPROV_HOME!)) expect([f.file, f.bytes.includes(credential)]).toEqual([f.file, false]);
  });

  it('accepts the sha256/<base64> form; a well-formed fingerprint that does not match is FLEET_CERT_MISMATCH and spends nothing', async () => {
    const other = fingerprintForms('ab'.repeat(32)).sha256;
    const code = fleet.enroll('F2');
    const wrong = await cli(['fleet', 'join', '--server', fleet.url, '--fingerprint', other, '--code', code, '--json'], env);
    expect(wrong.code).toBe(1);
    expect(wrong.json.error).toMatchObject({ code: 'FLEET_CERT_MISMATCH' });
    expect(wrong.stderr).toContain(fleet.fingerprint);
    expect(fleet.calls).toEqual([]);
    expect((await status()).joined).toBe(false);
    // The same enrolment code still works with the right fingerprint.
    const right = await cli(['fleet', 'join', '--server', fleet.url, '--fingerprint', fingerprintForms(fleet.fingerprint).sha256, '--code', code, '--json'], env);
    expect(right.code).toBe(0);
    expect(right.json.station_code).toBe('F2');
  });

  it('refuses a malformed fingerprint (exit 2), a wrong code, a second join, and an unreachable server is FLEET_OFFLINE', async () => {
    const bad = await cli(['fleet', 'join', '--server', fleet.url, '--fingerprint', 'abc', '--code', 'x', '--json'], env);
    expect([bad.code, bad.json.error.code]).toEqual([2, 'INPUT_INVALID']);
    const refused = await cli(['fleet', 'join', '--server', fleet.url, '--fingerprint', fleet.fingerprint, '--code', 'not-a-code', '--json'], env);
    expect([refused.code, refused.json.error.code]).toEqual([1, 'FLEET_ENROL_REFUSED']);
    await fleet.stop();
    const down = await cli(['fleet', 'join', '--server', fleet.url, '--fingerprint', fleet.fingerprint, '--code', 'x', '--json'], env);
    expect([down.code, down.json.error.code]).toEqual([1, 'FLEET_OFFLINE']);
    await fleet.restart();
    expect((await join('F3')).code).toBe(0);
    const again = await join('F4');
    expect([again.code, again.json.error.code]).toEqual([1, 'FLEET_ALREADY_JOINED']);
  });

  it('a station with registrations of its own still queued cannot join', async () => {
    const e = { ...env, WXPROV_HOME: tmpDir() };
    expect((await cli(['config', 'set', 'station_code', 'Z9'], e)).code).toBe(0);
    withLedger(e.WXPROV_HOME!, () => {});
    const { createContext } = await import('../../main/core/context.js');
    const ctx = createContext({ env: e });
    ctx.db.prepare("INSERT INTO products (product_id, model_name, created_at, created_by, origin) VALUES (9, 'M', 't', 'u', 'recorded')").run();
    ctx.db.prepare("INSERT INTO devices (product_id, device_id, status, station, operator, created_at, updated_at) VALUES (9, 'OLD1', 'allocated', 'Z9', 'u', 't', 't')").run();
    ctx.db.prepare("INSERT INTO outbox (device_row, product_id, device_id, state, created_at) VALUES (1, 9, 'OLD1', 'pending', 't')").run();
    ctx.close();
    const r = await join('F5', fleet.fingerprint, e);
    expect([r.code, r.json.error.code]).toEqual([1, 'FLEET_JOIN_QUEUE_PENDING']);
    expect(fleet.calls).toEqual([]);
  });
});

describe('a joined station', () => {
  it('refuses what the server owns, with the reason', async () => {
    expect((await join()).code).toBe(0);
    const tries: [string[], string][] = [
      [['product', 'create', '--en', 'A', '--zh', '甲', '--default-name', 'a', '--model', 'M'], 'FLEET_PRODUCTS_ON_SERVER'],
      [['key', 'create', '--product', String(PID)], 'FLEET_KEYS_ON_SERVER'],
      [['devices', 'allocate', '--product', String(PID), '--count', '2'], 'FLEET_REGISTRATION_ON_SERVER'],
      [['config', 'set', 'station_code', 'ZZ'], 'FLEET_STATION_CODE_ON_SERVER'],
    ];
    for (const [argv, code] of tries) {
      const r = await cli([...argv, '--json'], env);
      expect([argv.join(' '), r.code, r.json?.error?.code]).toEqual([argv.join(' '), 1, code]);
    }
    // `sync` is no refusal: it answers that the server registers, and what this station owes it.
    const sync = await cli(['sync', '--json'], env);
    expect(sync.code).toBe(0);
    expect(sync.json).toMatchObject({ registration: 'server', synced: 0, pending: 0, uplink_pending: expect.any(Number) });
    expect(sync.json.message_en).toMatch(/server's job/);
  });

  it('flashes from a block with the server down, registers nothing itself, and uplinks every change when it is back', async () => {
    expect((await join()).code).toBe(0);
    await fleet.stop();
    const { port, dev } = await unit({ hwid: 'HWF001' });
    const r = await cli(['flash', '--port', port, '--product', String(PID), '--json'], env);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ result: 'PASS', device_id: 'FXF100001', hwid: 'HWF001', key_version: 1 });
    expect(dev.identity()).toMatchObject({ host_app_id: fleet.hostAppId, product_id: String(PID), device_id: 'FXF100001' });
    const held = fleet.held.get(`${PID}/FXF100001`)!;
    expect(dev.identity()!.signature).toBe(held.signature);
    ledger((db) => {
      expect(db.prepare('SELECT status, hwid, signature, station, operator FROM devices WHERE device_id = ?').get('FXF100001')).toEqual({
        status: 'verified',
        hwid: 'HWF001',
        signature: held.signature,
        station: 'F1',
        operator: 'op9',
      });
      expect(db.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(0);
      expect(db.prepare("SELECT state FROM fleet_ids WHERE device_id = 'FXF100001'").pluck().get()).toBe('used');
    });
    const offline = await status();
    // Three ledger changes and the unit's result.
    expect(offline).toMatchObject({ uplink_pending: 4, blocks: { [PID]: 5 } });
    // Records and search work as before.
    expect((await cli(['devices', 'search', '--json'], env)).stdout).toContain('FXF100001');
    expect((await cli(['records', '--format', 'json'], env)).stdout).toContain('FXF100001');
    // Sync while the server is away: FLEET_OFFLINE, nothing lost.
    const down = await cli(['fleet', 'sync', '--json'], env);
    expect([down.code, down.json.error.code]).toEqual([1, 'FLEET_OFFLINE']);
    await fleet.restart();
    const up = await cli(['fleet', 'sync', '--json'], env);
    expect(up.code).toBe(0);
    expect(up.json).toMatchObject({ server: fleet.url, station_code: 'F1', uplink_pending: 0, uplink: { sent: 4, accepted: 4, duplicates: 0 } });
    const rows = [...fleet.rowsOf('F1').values()].filter((x) => x.kind !== 'result');
    expect(rows.map((x) => [x.device_id, x.version, x.kind, x.status])).toEqual([
      ['FXF100001', 1, 'device', 'allocated'],
      ['FXF100001', 2, 'device', 'written'],
      ['FXF100001', 3, 'device', 'verified'],
    ]);
    expect(rows[2]).toMatchObject({ hwid: 'HWF001', signature: held.signature, key_version: 1, port, operator: 'op9', station: 'F1' });
    // Nothing more to send: a second sync sends nothing again.
    expect((await cli(['fleet', 'sync', '--json'], env)).json.uplink.sent).toBe(0);
  });

  it('takes a new block once half is used (flash waits for it after the unit); a void is uplinked', async () => {
    expect((await join()).code).toBe(0);
    for (const hw of ['HWA', 'HWB', 'HWC']) {
      const { port } = await unit({ hwid: hw });
      expect((await cli(['flash', '--port', port, '--product', String(PID), '--json'], env)).json.result).toBe('PASS');
    }
    // 6 - 3 = 3 left, half a block: the third flash asked for another block.
    expect((await status()).blocks[PID]).toBe(9);
    expect(fleet.calls.filter((c) => c.path === '/v1/blocks')).toHaveLength(2);
    const v = await cli(['devices', 'void', '--device-id', 'FXF100002', '--reason', 'label torn', '--json'], env);
    expect(v.code).toBe(0);
    expect((await cli(['fleet', 'sync', '--json'], env)).code).toBe(0);
    const voids = [...fleet.rowsOf('F1').values()].filter((x) => x.kind === 'void');
    expect(voids).toEqual([expect.objectContaining({ device_id: 'FXF100002', status: 'void', last_error: 'void: label torn' })]);
  });

  it('ids known only at the unit are signed online: offline leaves the unit untouched, an id another station holds is DEVICE_ID_TAKEN', async () => {
    expect((await join()).code).toBe(0);
    const first = await unit({ hwid: 'HWS1' });
    const r = await cli(['flash', '--port', first.port, '--product', String(SN_PID), '--sn', 'A-77', '--json'], env);
    expect(r.json).toMatchObject({ result: 'PASS', device_id: 'SNA-77' });
    expect(fleet.held.get(`${SN_PID}/SNA-77`)).toMatchObject({ station: 'F1' });

    // Another station already holds SNB88.
    const other = { ...env, WXPROV_HOME: tmpDir() };
    expect((await join('F2', fleet.fingerprint, other)).code).toBe(0);
    const taken = await unit({ hwid: 'HWS2' });
    expect((await cli(['flash', '--port', taken.port, '--product', String(SN_PID), '--sn', 'B88', '--json'], other)).json.result).toBe('PASS');
    const second = await unit({ hwid: 'HWS3' });
    const refused = await cli(['flash', '--port', second.port, '--product', String(SN_PID), '--sn', 'B88', '--json'], env);
    expect(refused.json).toMatchObject({ result: 'FAIL', step: 'allocate', code: 'DEVICE_ID_TAKEN', device_id: null });
    expect(second.dev.state()).toBe('blank');

    // The server away: preflight says so before any unit is touched, and a unit is never written.
    await fleet.stop();
    const third = await unit({ hwid: 'HWS4' });
    const off = await cli(['flash', '--port', third.port, '--product', String(SN_PID), '--sn', 'C99', '--json'], env);
    expect([off.code, off.json.error?.code]).toEqual([1, 'FLEET_OFFLINE']);
    expect(third.dev.state()).toBe('blank');
    ledger((db) => expect(db.prepare("SELECT device_id FROM devices WHERE product_id = ? ORDER BY id").pluck().all(SN_PID)).toEqual(['SNA-77']));
  });

  it('a unit made at another station of the fleet is adopted (EXISTING, verified with the downlink key, uplinked, queued nowhere); a given id is signed online', async () => {
    expect((await join()).code).toBe(0);
    const other = { ...env, WXPROV_HOME: tmpDir() };
    expect((await join('F2', fleet.fingerprint, other)).code).toBe(0);
    const u = await unit({ hwid: 'HWX1' });
    expect((await cli(['flash', '--port', u.port, '--product', String(PID), '--json'], other)).json).toMatchObject({ result: 'PASS', device_id: 'FXF200001' });
    const here = await cli(['flash', '--port', u.port, '--product', String(PID), '--json'], env);
    expect(here.json).toMatchObject({ result: 'EXISTING', device_id: 'FXF200001' });
    ledger((db) => {
      expect(db.prepare('SELECT status, hwid FROM devices WHERE device_id = ?').get('FXF200001')).toEqual({ status: 'verified', hwid: 'HWX1' });
      expect(db.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(0);
      expect(db.prepare("SELECT COUNT(*) FROM fleet_uplink WHERE payload ->> 'device_id' = 'FXF200001' AND kind <> 'result'").pluck().get()).toBe(1);
    });
    const given = await unit({ hwid: 'HWX2' });
    const g = await cli(['flash', '--port', given.port, '--product', String(PID), '--device-id', 'HANDPICKED1', '--json'], env);
    expect(g.json).toMatchObject({ result: 'PASS', device_id: 'HANDPICKED1' });
    expect(fleet.held.get(`${PID}/HANDPICKED1`)).toMatchObject({ station: 'F1' });
    expect((await status()).blocks[PID]).toBe(6);
  });

  it('works from blocks with the key store locked; what needs the credential says so', async () => {
    expect((await join()).code).toBe(0);
    const locked = { ...env, WXPROV_KEY_PASSPHRASE: '' };
    const { port } = await unit({ hwid: 'HWL1' });
    expect((await cli(['flash', '--port', port, '--product', String(PID), '--json'], locked)).json.result).toBe('PASS');
    const s = await cli(['fleet', 'sync', '--json'], locked);
    expect([s.code, s.json.error.code]).toEqual([1, 'KEY_PASSPHRASE_REQUIRED']);
    expect((await status(locked)).uplink_pending).toBe(4);
    expect((await cli(['fleet', 'sync', '--json'], env)).json.uplink_pending).toBe(0);
  });

  it('a revoked station is told so, stops taking ids, and says so at the next start', async () => {
    expect((await join()).code).toBe(0);
    fleet.revoke('F1');
    const s = await cli(['fleet', 'sync', '--json'], env);
    expect([s.code, s.json.error.code]).toEqual([1, 'FLEET_STATION_REVOKED']);
    expect(await status()).toMatchObject({ revoked: true, last_error: 'FLEET_STATION_REVOKED' });
    const { port, dev } = await unit({ hwid: 'HWR1' });
    const r = await cli(['flash', '--port', port, '--product', String(PID), '--json'], env);
    expect([r.code, r.json.error?.code]).toEqual([1, 'FLEET_STATION_REVOKED']);
    expect(dev.state()).toBe('blank');
    // Enrolled again: the ids of the old membership are never used, a new block is.
    const again = await join('F1');
    expect(again.code).toBe(0);
    ledger((db) => expect(db.prepare("SELECT state, COUNT(*) AS n FROM fleet_ids GROUP BY state ORDER BY state").all()).toEqual([{ state: 'unused', n: 6 }, { state: 'void', n: 6 }]));
    const r2 = await cli(['flash', '--port', port, '--product', String(PID), '--json'], env);
    expect(r2.json).toMatchObject({ result: 'PASS', device_id: 'FXF100007' });
  });

  it('an id the server revokes is voided here and never written to a unit', async () => {
    expect((await join()).code).toBe(0);
    fleet.revokeId(PID, 'FXF100001', 'recalled');
    expect((await cli(['fleet', 'sync', '--json'], env)).code).toBe(0);
    const { port } = await unit({ hwid: 'HWV1' });
    expect((await cli(['flash', '--port', port, '--product', String(PID), '--json'], env)).json).toMatchObject({ result: 'PASS', device_id: 'FXF100002' });
    // Voided elsewhere in the fleet: a unit holding it is set aside here too, never adopted.
    const other = { ...env, WXPROV_HOME: tmpDir() };
    expect((await join('F2', fleet.fingerprint, other)).code).toBe(0);
    const u = await unit({ hwid: 'HWV2' });
    expect((await cli(['flash', '--port', u.port, '--product', String(PID), '--json'], other)).json.device_id).toBe('FXF200001');
    fleet.revokeId(PID, 'FXF200001', 'label misprinted');
    expect((await cli(['fleet', 'sync', '--json'], env)).code).toBe(0);
    const r = await cli(['flash', '--port', u.port, '--product', String(PID), '--json'], env);
    expect(r.json).toMatchObject({ result: 'FAIL', code: 'UNIT_ID_VOID', device_id: 'FXF200001' });
    expect(r.json.reason).toContain('label misprinted');
    ledger((db) => expect(db.prepare("SELECT COUNT(*) FROM devices WHERE device_id = 'FXF200001'").pluck().get()).toBe(0));
  });
});
