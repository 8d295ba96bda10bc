import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppState, Result } from '../../preload/contract.js';
import { createAppService, type AppService } from '../../main/core/app/app-service.js';
import { dispatch } from '../../main/core/app/dispatch.js';
import { jsonFileKv } from '../../main/core/app/kv.js';
import { fingerprintForms } from '../../main/core/fleet/fingerprint.js';
import { FleetDouble } from '../helpers/fleet-double.js';
import { tmpDir } from '../helpers/tmp.js';

// The setup screen's "join a factory server" through dispatch(), as the UI sends it, against a
// double of the server on loopback HTTPS: what the address presents is shown before anything
// is spent, a wrong fingerprint or code spends nothing, and a joined station is the server's.

const PID = 811;
let fleet: FleetDouble;
let app: AppService | undefined;

beforeEach(async () => {
  fleet = await FleetDouble.start();
  fleet.blockSize = 8;
  fleet.addProduct({ product_id: PID, model_name: 'LAMP-J', id_template: 'J{station}{seq:4}' });
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await fleet.close().catch(() => {});
});

async function start(mode: 'real' | 'simulation' = 'real') {
  const home = tmpDir('wxprov-app-fleet-');
  app = await createAppService({ home, env: { WXPROV_KEY_PASSPHRASE: 'app fleet passphrase' }, kv: jsonFileKv(path.join(home, 'app-settings.json')), shell: 'browser' });
  const events: AppState[] = [];
  app.onEvent((name, payload) => {
    if (name === 'app') events.push(payload as AppState);
  });
  const call = (name: string, input?: unknown): Promise<Result<any>> => dispatch(app!.handlers, name, input);
  const ok = async (name: string, input?: unknown) => {
    const r = await call(name, input);
    if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  const err = async (name: string, input?: unknown) => {
    const r = await call(name, input);
    if (r.ok) throw new Error(`${name} answered ${JSON.stringify(r.value)}`);
    return r.error;
  };
  await ok('app.chooseMode', { mode });
  // The key store seals the credential: set up as the setup screen does first.
  if (mode === 'real' && (await ok('app.state')).keystore.state === 'none') await ok('keystore.setup', { passphrase: 'app fleet passphrase' });
  return { ok, err, events };
}

describe('joining a factory server from the app', () => {
  it('probe shows the fingerprint; a wrong fingerprint or code spends nothing; the right ones join, and the card reads the membership', async () => {
    const a = await start();
    expect(await a.ok('fleet.status')).toMatchObject({ joined: false, server: null, uplink_pending: 0, blocks: {} });

    const probe = await a.ok('fleet.probe', { server: ` ${fleet.url}/ ` });
    expect(probe).toEqual({ server: fleet.url, fingerprint: fleet.fingerprint, fingerprint_colons: fingerprintForms(fleet.fingerprint).colons });
    // Probing sends nothing of the fleet protocol.
    expect(fleet.calls).toEqual([]);

    const code = fleet.enroll('J1');
    const mismatch = await a.err('fleet.join', { server: fleet.url, fingerprint: 'ab'.repeat(32), code });
    expect(mismatch.code).toBe('FLEET_CERT_MISMATCH');
    expect(mismatch.message_zh).toContain(fleet.url);
    expect(fleet.calls).toEqual([]); // the one-time code was not sent

    expect((await a.err('fleet.join', { server: fleet.url, fingerprint: fleet.fingerprint, code: 'not-the-code' })).code).toBe('FLEET_ENROL_REFUSED');
    expect((await a.err('fleet.join', { server: fleet.url, fingerprint: 'not a fingerprint', code })).code).toBe('INPUT_INVALID');

    a.events.length = 0;
    // The colon form the server prints is as good as the hex.
    const m = await a.ok('fleet.join', { server: fleet.url, fingerprint: fingerprintForms(fleet.fingerprint).colons, code });
    expect(m).toMatchObject({ joined: true, server: fleet.url, fingerprint: fleet.fingerprint, station_code: 'J1', revoked: false, uplink_pending: 0, blocks: { [PID]: 8 }, last_error: null });
    expect(typeof m.last_contact).toBe('string');
    expect(await a.ok('fleet.status')).toEqual(m);
    // The state goes out at once: the shell and the line learn the station is the server's.
    expect(a.events.at(-1)?.fleet).toEqual({ server: fleet.url, station_code: 'J1', revoked: false });
    expect(await a.ok('app.state')).toMatchObject({ station_code: 'J1', fleet: { server: fleet.url, station_code: 'J1' } });

    // What the server owns is refused here now; joining twice too.
    expect((await a.err('products.create', { english_name: 'X', chinese_name: '某', default_name: '某', model_name: 'X' })).code).toBe('FLEET_PRODUCTS_ON_SERVER');
    expect((await a.err('fleet.join', { server: fleet.url, fingerprint: fleet.fingerprint, code: fleet.enroll('J2') })).code).toBe('FLEET_ALREADY_JOINED');
  });

  it('an address nobody answers is FLEET_OFFLINE; not https is refused before any connection', async () => {
    const a = await start();
    const url = fleet.url;
    await fleet.stop();
    const off = await a.err('fleet.probe', { server: url });
    expect(off.code).toBe('FLEET_OFFLINE');
    expect(off.message_en).toContain(url);
    expect((await a.err('fleet.probe', { server: 'http://127.0.0.1:1' })).code).toBe('INPUT_INVALID');
  });

  it('simulation has nothing to join with', async () => {
    const a = await start('simulation');
    expect((await a.err('fleet.probe', { server: fleet.url })).code).toBe('APP_WRONG_MODE');
    expect((await a.err('fleet.join', { server: fleet.url, fingerprint: fleet.fingerprint, code: fleet.enroll('J3') })).code).toBe('APP_WRONG_MODE');
    expect(await a.ok('fleet.status')).toMatchObject({ joined: false });
  });
});
