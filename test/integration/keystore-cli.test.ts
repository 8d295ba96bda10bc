import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, cliDaemon } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

// The key store from the command line: `wxprov key slots` (list, add, remove; refused without
// an unlock, the last passphrase slot kept) on real SQLite files, and `wxprov ui` as a real
// process that unlocks at start with WXPROV_KEY_PASSPHRASE like the CLI.

async function importKey(home: string, pid: number, passphrase: string) {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const file = path.join(home, 'k.pem');
  fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const r = await cli(['key', 'import', '--product', String(pid), '--key-version', '1', '--private-key', file], { WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: passphrase, WXPROV_OPERATOR: 'eng' });
  expect(r.code, r.stderr).toBe(0);
  fs.rmSync(file);
  return privateKey;
}

describe('wxprov key slots', () => {
  it('lists, adds and removes slots; needs an unlock to change them; never removes the last passphrase slot', async () => {
    const home = tmpDir('wxprov-slots-');
    const A = 'first passphrase';
    const B = 'second passphrase';
    const outputs: string[] = [];
    const run = async (argv: string[], env: NodeJS.ProcessEnv) => {
      const r = await cli(argv, { WXPROV_HOME: home, WXPROV_OPERATOR: 'eng', ...env });
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    expect((await run(['key', 'slots', '--json'], {})).json).toEqual({ set_up: false, slots: [] });
    expect((await run(['key', 'slots'], {})).stdout).toMatch(/^No key store yet/);
    const removeNothing = await run(['key', 'slots', 'remove', '1'], { WXPROV_KEY_PASSPHRASE: A });
    expect(removeNothing.stderr).toMatch(/^error KEYSTORE_SLOT_NOT_FOUND/);
    expect((await run(['key', 'slots', '--json'], {})).json.set_up).toBe(false);

    const privateKey = await importKey(home, 77, A);
    const listed = await run(['key', 'slots', '--json'], {});
    expect(listed.json).toEqual({ set_up: true, slots: [{ id: 1, kind: 'passphrase', label: '', created_at: expect.any(String), created_by: 'eng' }] });
    expect((await run(['key', 'slots'], {})).stdout).toMatch(/^id\s+kind\s+label\s+created\s+by\n1\s+passphrase\s+/);

    // Adding: the new passphrase from the environment only, and an unlock first.
    expect((await run(['key', 'slots', 'add', '--kind', 'passphrase'], { WXPROV_KEY_PASSPHRASE: A })).stderr).toMatch(/^error CONFIG_MISSING: .*WXPROV_NEW_KEY_PASSPHRASE/);
    expect((await run(['key', 'slots', 'add', '--kind', 'passphrase'], { WXPROV_KEY_PASSPHRASE: A, WXPROV_NEW_KEY_PASSPHRASE: 'short' })).stderr).toMatch(/^error CONFIG_INVALID: .*WXPROV_NEW_KEY_PASSPHRASE/);
    const noUnlock = await run(['key', 'slots', 'add', '--kind', 'passphrase'], { WXPROV_NEW_KEY_PASSPHRASE: B });
    expect(noUnlock.code).toBe(1);
    expect(noUnlock.stderr).toMatch(/^error KEY_PASSPHRASE_REQUIRED/);
    expect((await run(['key', 'slots', 'add', '--kind', 'passphrase'], { WXPROV_KEY_PASSPHRASE: 'not the one', WXPROV_NEW_KEY_PASSPHRASE: B })).stderr).toMatch(/^error KEYSTORE_PASSPHRASE_WRONG/);
    const badKind = await run(['key', 'slots', 'add', '--kind', 'safeStorage'], { WXPROV_KEY_PASSPHRASE: A, WXPROV_NEW_KEY_PASSPHRASE: B });
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/^error INPUT_INVALID: --kind/);
    expect((await run(['key', 'slots', '--json'], {})).json.slots).toHaveLength(1);

    const added = await run(['key', 'slots', 'add', '--kind', 'passphrase', '--label', 'backup', '--json'], { WXPROV_KEY_PASSPHRASE: A, WXPROV_NEW_KEY_PASSPHRASE: B });
    expect(added.code, added.stderr).toBe(0);
    expect(added.json.added).toMatchObject({ id: 2, kind: 'passphrase', label: 'backup' });
    const signed = await run(['sign', '--product', '77', '--device-id', 'S1', '--json'], { WXPROV_KEY_PASSPHRASE: B });
    expect(crypto.verify('sha256', Buffer.from('77_S1'), privateKey, Buffer.from(signed.json.signature, 'base64'))).toBe(true);

    // Removing: unlock needed, unknown ids named, the last passphrase slot refused.
    expect((await run(['key', 'slots', 'remove', '1'], {})).stderr).toMatch(/^error KEY_PASSPHRASE_REQUIRED/);
    expect((await run(['key', 'slots', 'remove', 'one'], { WXPROV_KEY_PASSPHRASE: B })).code).toBe(2);
    expect((await run(['key', 'slots', 'remove', '9'], { WXPROV_KEY_PASSPHRASE: B })).stderr).toMatch(/^error KEYSTORE_SLOT_NOT_FOUND/);
    expect((await run(['key', 'slots', 'remove', '1', '--json'], { WXPROV_KEY_PASSPHRASE: B })).json.removed).toMatchObject({ id: 1, kind: 'passphrase' });
    const last = await run(['key', 'slots', 'remove', '2'], { WXPROV_KEY_PASSPHRASE: B });
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/^error KEYSTORE_LAST_SLOT/);
    expect((await run(['key', 'slots', '--json'], {})).json.slots.map((s: { id: number }) => s.id)).toEqual([2]);
    expect((await run(['sign', '--product', '77', '--device-id', 'S2'], { WXPROV_KEY_PASSPHRASE: A })).stderr).toMatch(/^error KEY_UNSEAL_FAILED/);
    expect((await run(['sign', '--product', '77', '--device-id', 'S2'], { WXPROV_KEY_PASSPHRASE: B })).code).toBe(0);

    for (const o of outputs) for (const secret of [A, B]) expect(o).not.toContain(secret);
    const log = fs.readFileSync(path.join(home, 'logs', 'wxprov.log'), 'utf8');
    expect(log).toMatch(/keystore\.slot_added/);
    expect(log).toMatch(/keystore\.slot_removed/);
    for (const secret of [A, B]) expect(log).not.toContain(secret);
  });
});

describe('wxprov ui and the key store', () => {
  const running: ReturnType<typeof cliDaemon>[] = [];
  afterEach(async () => {
    while (running.length) {
      const d = running.pop()!;
      if (d.child.exitCode === null && d.child.signalCode === null) await d.stop();
    }
  });

  function start(env: NodeJS.ProcessEnv) {
    const dir = tmpDir('wxprov-ui-static-');
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>stub</title>');
    const d = cliDaemon(['ui', '--port', '0', '--static-dir', dir], env);
    running.push(d);
    return d;
  }
  const api = async (first: string, name: string, body: unknown = {}) => {
    const url = new URL(first);
    const r = await fetch(new URL(`/api/${name}`, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-wxprov-token': url.searchParams.get('token')! },
      body: JSON.stringify(body),
    });
    return (await r.json()) as { ok: boolean; value?: any; error?: any };
  };

  it('unlocks at start with WXPROV_KEY_PASSPHRASE, like the CLI; without it the page asks; simulation needs no unlock', async () => {
    const home = tmpDir('wxprov-ui-ks-');
    const pass = 'shared passphrase';
    const privateKey = await importKey(home, 88, pass);

    const withEnv = start({ WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: pass });
    const u1 = await withEnv.firstLine;
    expect((await api(u1, 'app.chooseMode', { mode: 'real' })).value.keystore).toEqual({ state: 'unlocked', keychain: false });
    const s = await api(u1, 'tools.sign', { product_id: 88, device_id: 'UI1' });
    expect(crypto.verify('sha256', Buffer.from('88_UI1'), privateKey, Buffer.from(s.value.signature, 'base64'))).toBe(true);
    expect(withEnv.output()).not.toContain(pass);
    expect(await withEnv.stop()).toBe(0);

    const without = start({ WXPROV_HOME: home });
    const u2 = await without.firstLine;
    expect((await api(u2, 'app.state')).value).toMatchObject({ mode: 'real', keystore: { state: 'locked', keychain: false } });
    expect((await api(u2, 'tools.sign', { product_id: 88, device_id: 'UI2' })).error.code).toBe('KEYSTORE_LOCKED');
    expect((await api(u2, 'keystore.unlock', { passphrase: 'wrong passphrase' })).error.code).toBe('KEYSTORE_PASSPHRASE_WRONG');
    expect((await api(u2, 'keystore.unlock', { passphrase: pass })).value.keystore.state).toBe('unlocked');
    expect((await api(u2, 'tools.sign', { product_id: 88, device_id: 'UI2' })).ok).toBe(true);

    const simState = await api(u2, 'app.chooseMode', { mode: 'simulation' });
    expect(simState.value.keystore).toEqual({ state: 'simulation', keychain: false });
    const p = await api(u2, 'products.create', { english_name: 'Sim', chinese_name: '模拟', default_name: '模拟', model_name: 'SIM-1' });
    expect((await api(u2, 'keys.create', { product_id: p.value.product_id })).ok).toBe(true);
    expect(await without.stop()).toBe(0);
  });
});
