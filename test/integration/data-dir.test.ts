import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { exportToFile } from '../../main/core/app/export-file.js';
import { jsonFileKv } from '../../main/core/app/kv.js';
import { APP_DIR_NAME } from '../../main/core/config/home.js';
import { createContext } from '../../main/core/context.js';
import { openDb } from '../../main/core/db/open.js';
import { CLI_ENTRY, cli, cliProcess, ROOT, type CliResult } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

// One data dir, always; a copied data dir mints nothing until its station code is confirmed
// (issue 12); the data dir is owner-only (issue 15). Real CLI processes, real files.

const TSX = path.join(ROOT, 'node_modules/tsx/dist/loader.mjs');

/** The real CLI run from `cwd` with exactly `env` (plus PATH), to see what it leaves in the current directory. */
function cliIn(cwd: string, argv: string[], env: NodeJS.ProcessEnv): CliResult {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI_ENTRY, ...argv], { cwd, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 60_000 });
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const posix = process.platform !== 'win32';

describe('the data dir never depends on the current directory', () => {
  it('XDG_CONFIG_HOME set but empty counts as unset: the data dir is $HOME/.config/…, shown as home', () => {
    const home = tmpDir('wxprov-userhome-');
    const cwd = tmpDir('wxprov-cwd-');
    const r = cliIn(cwd, ['config', '--json'], { HOME: home, XDG_CONFIG_HOME: '', WXPROV_HOME: '  ' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dataDir = path.join(home, '.config', APP_DIR_NAME);
    expect(r.json.home).toBe(dataDir);
    expect(fs.existsSync(path.join(dataDir, 'wxprov.db'))).toBe(true);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it('a relative WXPROV_HOME is refused with CONFIG_INVALID, and nothing is created anywhere', () => {
    const home = tmpDir('wxprov-userhome-');
    const cwd = tmpDir('wxprov-cwd-');
    const r = cliIn(cwd, ['config', '--json'], { HOME: home, WXPROV_HOME: 'station-data' });
    expect(r.code).toBe(1);
    expect(r.json.error).toMatchObject({ code: 'CONFIG_INVALID', params: { name: 'WXPROV_HOME' } });
    expect(r.stderr).toMatch(/CONFIG_INVALID/);
    expect(r.stderr).toMatch(/WXPROV_HOME/);
    expect(r.stderr).toMatch(/absolute path/);
    expect(fs.readdirSync(cwd)).toEqual([]);
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

describe('a data dir copied to another computer', () => {
  it('mints no ids there until the station code is confirmed; ids given by hand still go in', async () => {
    const a = tmpDir();
    const onA = { WXPROV_HOME: a, WXPROV_MACHINE_ID: 'computer-a', WXPROV_OPERATOR: 'op' };
    expect((await cli(['product', 'add', '--product', '7', '--model', 'M1'], onA)).code).toBe(0);
    const set = await cli(['config', 'set', 'station_code', 'A1', '--json'], onA);
    expect(set.json).toMatchObject({ station_code: 'A1', sync_batch_size: '100', home: a, station_confirmed: true });
    expect((await cli(['devices', 'allocate', '--product', '7', '--count', '2', '--json'], onA)).json).toMatchObject({ allocated: 2 });

    const b = tmpDir();
    fs.cpSync(a, b, { recursive: true });
    const onB = { WXPROV_HOME: b, WXPROV_MACHINE_ID: 'computer-b', WXPROV_OPERATOR: 'op' };
    expect(cliProcess(['config', '--json'], onB).json).toMatchObject({ station_code: 'A1', home: b, station_confirmed: false });

    const refused = cliProcess(['devices', 'allocate', '--product', '7', '--count', '1', '--json'], onB);
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatchObject({ code: 'STATION_MACHINE_CHANGED', params: { station_code: 'A1' } });
    expect(refused.stderr).toMatch(/STATION_MACHINE_CHANGED/);
    expect(refused.stderr).toContain('wxprov config set station_code');
    // Ids from a file take nothing from a sequence: not refused.
    expect(cliProcess(['devices', 'add', '--product', '7', 'HAND-1', '--json'], onB).json).toMatchObject({ queued: 1 });
    // The computer it came from is not affected.
    expect((await cli(['devices', 'allocate', '--product', '7', '--count', '1', '--json'], onA)).code).toBe(0);

    const confirm = cliProcess(['config', 'set', 'station_code', 'B1', '--json'], onB);
    expect(confirm.json).toMatchObject({ station_code: 'B1', station_confirmed: true });
    const ok = cliProcess(['devices', 'allocate', '--product', '7', '--count', '1', '--json'], onB);
    expect(ok.code).toBe(0);
    expect(ok.json.first).toMatch(/^B1\d{6}000001$/);
    // Now A is the other computer for this copy.
    expect((await cli(['devices', 'allocate', '--product', '7', '--count', '1', '--json'], { ...onB, WXPROV_MACHINE_ID: 'computer-a' })).json.error.code).toBe('STATION_MACHINE_CHANGED');
  });

  it('confirming the same code re-binds it to this computer', async () => {
    const a = tmpDir();
    await cli(['product', 'add', '--product', '7', '--model', 'M1'], { WXPROV_HOME: a, WXPROV_MACHINE_ID: 'computer-a' });
    await cli(['config', 'set', 'station_code', 'A1'], { WXPROV_HOME: a, WXPROV_MACHINE_ID: 'computer-a' });
    const onB = { WXPROV_HOME: a, WXPROV_MACHINE_ID: 'computer-b' };
    expect((await cli(['devices', 'allocate', '--product', '7', '--count', '1', '--json'], onB)).json.error.code).toBe('STATION_MACHINE_CHANGED');
    expect((await cli(['config', 'set', 'station_code', 'A1', '--json'], onB)).json).toMatchObject({ station_code: 'A1', station_confirmed: true });
    expect((await cli(['devices', 'allocate', '--product', '7', '--count', '1', '--json'], onB)).json).toMatchObject({ allocated: 1 });
  });

  it('a data dir from before machines were recorded is adopted by the first computer that opens it', async () => {
    const a = tmpDir();
    await cli(['config', 'set', 'station_code', 'A1'], { WXPROV_HOME: a, WXPROV_MACHINE_ID: 'computer-a' });
    const db = new Database(path.join(a, 'wxprov.db'));
    db.prepare("DELETE FROM settings WHERE key <> 'station_code'").run();
    db.close();
    expect((await cli(['config', '--json'], { WXPROV_HOME: a, WXPROV_MACHINE_ID: 'computer-b' })).json).toMatchObject({ station_code: 'A1', station_confirmed: true });
    expect(fs.readFileSync(path.join(a, 'logs', 'wxprov.log'), 'utf8')).toContain('"event":"station.machine_adopted"');
    expect((await cli(['config', '--json'], { WXPROV_HOME: a, WXPROV_MACHINE_ID: 'computer-c' })).json).toMatchObject({ station_confirmed: false });
  });

  it('records the computer as a digest, never the raw machine id', async () => {
    const a = tmpDir();
    await cli(['config', 'set', 'station_code', 'A1'], { WXPROV_HOME: a, WXPROV_MACHINE_ID: 'raw-machine-id-123' });
    const db = new Database(path.join(a, 'wxprov.db'), { readonly: true });
    const rows = db.prepare("SELECT key, value FROM settings WHERE key <> 'station_code'").all() as { key: string; value: string }[];
    db.close();
    expect(rows).toEqual([{ key: 'station_machine', value: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    for (const f of fs.readdirSync(a, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
      expect(fs.readFileSync(path.join(f.parentPath, f.name)).includes('raw-machine-id-123')).toBe(false);
    }
  });
});

describe.runIf(posix)('the data dir is owner-only', () => {
  it('creates the dir, db, -wal/-shm, logs and exports 0700/0600', async () => {
    const home = path.join(tmpDir(), 'fresh', 'home');
    expect(cliProcess(['config', 'set', 'station_code', 'A1'], { WXPROV_HOME: home }).code).toBe(0);
    expect(mode(home)).toBe(0o700);
    expect(mode(path.join(home, 'wxprov.db'))).toBe(0o600);
    expect(mode(path.join(home, 'logs'))).toBe(0o700);
    expect(mode(path.join(home, 'logs', 'wxprov.log'))).toBe(0o600);

    const ctx = createContext({ env: { WXPROV_HOME: home } });
    try {
      ctx.db.prepare("UPDATE settings SET updated_by = 'x'").run();
      for (const f of ['wxprov.db-wal', 'wxprov.db-shm']) expect(mode(path.join(home, f)), f).toBe(0o600);
      const { file } = await exportToFile(ctx.db, home, {}, new Date());
      expect(mode(path.join(home, 'exports'))).toBe(0o700);
      expect(mode(file)).toBe(0o600);
    } finally {
      ctx.close();
    }
  });

  it('tightens a wider dir, db, -wal, logs and settings file on open, and logs each one', () => {
    const home = path.join(tmpDir(), 'old');
    openDb(home).close();
    fs.mkdirSync(path.join(home, 'logs'));
    fs.writeFileSync(path.join(home, 'logs', 'wxprov.log'), '');
    fs.writeFileSync(path.join(home, 'wxprov.db-wal'), '');
    jsonFileKv(path.join(home, 'app-settings.json')).set('mode', 'real');
    const wide: [string, number][] = [
      [home, 0o755],
      [path.join(home, 'wxprov.db'), 0o644],
      [path.join(home, 'wxprov.db-wal'), 0o644],
      [path.join(home, 'logs'), 0o755],
      [path.join(home, 'logs', 'wxprov.log'), 0o644],
      [path.join(home, 'app-settings.json'), 0o644],
    ];
    for (const [p, m] of wide) fs.chmodSync(p, m);

    expect(cliProcess(['config', '--json'], { WXPROV_HOME: home }).code).toBe(0);
    const want = (p: string) => (fs.statSync(p).isDirectory() ? 0o700 : 0o600);
    // The -wal is gone once the last connection closed: its tightening shows in the log below.
    for (const [p] of wide.slice(0, 5).filter(([p]) => fs.existsSync(p))) expect(mode(p), p).toBe(want(p));
    // The app's settings file is the app's to open (openAppSettings, in Electron and the bridge alike).
    expect(jsonFileKv(path.join(home, 'app-settings.json')).get('mode')).toBe('real');
    expect(mode(path.join(home, 'app-settings.json'))).toBe(0o600);
    const log = fs.readFileSync(path.join(home, 'logs', 'wxprov.log'), 'utf8');
    const tightened = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === 'fs.tightened');
    expect(tightened.map((t) => t.path).sort()).toEqual(wide.slice(0, 5).map(([p]) => p).sort());
    expect(tightened.find((t) => t.path === home)).toMatchObject({ level: 'warn', from: '0755', to: '0700' });
  });
});
