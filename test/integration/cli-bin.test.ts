import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliProcess, ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

// `wxprov` as installed: bin/wxprov.mjs runs the compiled bundle (out/cli/wxprov.cjs), not the
// TypeScript through tsx as the other CLI tests do. Same commands, same answers; and a change to
// a source file is picked up by the next run.

/**
 * Preloaded into the bin's process: lists every CommonJS module it loaded, as it exits, in the
 * file WXPROV_TEST_LOADED names. Tells which code ran (the bundle, or the sources through tsx)
 * and which packages a command pulled in.
 */
const LOADED_HOOK = "process.on('exit', () => require('node:fs').writeFileSync(process.env.WXPROV_TEST_LOADED, JSON.stringify(Object.keys(require.cache))));\n";

/** The bin as a user runs it: plain node, from another folder. */
function bin(argv: string[], env: NodeJS.ProcessEnv, root = ROOT) {
  const dir = tmpDir('wxprov-bin-');
  const hook = path.join(dir, 'loaded.cjs');
  const report = path.join(dir, 'loaded.json');
  fs.writeFileSync(hook, LOADED_HOOK);
  const r = spawnSync(process.execPath, ['--require', hook, path.join(root, 'bin', 'wxprov.mjs'), ...argv], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, WXPROV_TEST_LOADED: report },
    encoding: 'utf8',
    timeout: 120_000,
  });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  const loaded = fs.existsSync(report) ? (JSON.parse(fs.readFileSync(report, 'utf8')) as string[]) : [];
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json, loaded, compiled: loaded.includes(path.join(root, 'out', 'cli', 'wxprov.cjs')) };
}

const FALLBACK = /cannot rebuild/;

describe('the wxprov bin runs the compiled CLI', () => {
  it('--version and config --json answer as the sources do', () => {
    const home = tmpDir();
    const v = bin(['--version'], {});
    expect(v.stderr).not.toMatch(FALLBACK);
    expect(v.compiled).toBe(true);
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(cliProcess(['--version'], {}).stdout);
    const c = bin(['config', '--json'], { WXPROV_HOME: home });
    expect(c.compiled).toBe(true);
    expect(c.code).toBe(0);
    expect(c.json).toEqual({ sync_batch_size: '100', mes_offline: 'block', mes_token: 'none', home, station_confirmed: false });
    expect(c.json).toEqual(cliProcess(['config', '--json'], { WXPROV_HOME: home }).json);
    const typo = bin(['sing'], {});
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error INPUT_UNKNOWN_COMMAND_NEAR: .*Did you mean wxprov sign\?/);
  });

  it('--version and help for a group load no package (no SQLite, serialport or zod)', () => {
    const packages = (loaded: string[]) => loaded.filter((f) => /[\\/]node_modules[\\/](better-sqlite3|serialport|@serialport|zod)[\\/]/.test(f));
    for (const argv of [['--version'], ['sim', '--help']]) {
      const r = bin(argv, {});
      expect(r.code).toBe(0);
      expect(r.compiled).toBe(true);
      expect(packages(r.loaded)).toEqual([]);
    }
    // The same check sees a package when one is loaded: the assertion above can fail.
    const config = bin(['config', '--json'], { WXPROV_HOME: tmpDir() });
    expect(packages(config.loaded)).toContain(path.join(ROOT, 'node_modules', 'better-sqlite3', 'lib', 'index.js'));
  });

  it('signs a file on worker threads from the bundle', () => {
    const env = { WXPROV_HOME: tmpDir(), WXPROV_KEY_PASSPHRASE: 'bin test' };
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyFile = path.join(env.WXPROV_HOME, 'k.pem');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(bin(['product', 'add', '--product', '42', '--model', 'M'], env).code).toBe(0);
    expect(bin(['key', 'import', '--product', '42', '--key-version', '1', '--private-key', keyFile], env).code).toBe(0);
    const ids = Array.from({ length: 300 }, (_, i) => `BIN${String(i).padStart(4, '0')}`);
    const file = path.join(env.WXPROV_HOME, 'ids.txt');
    fs.writeFileSync(file, ids.join('\n') + '\n');
    const r = bin(['sign', '--product', '42', '--file', file, '--json'], env);
    expect(r.compiled).toBe(true);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ signed: 300, invalid: 0, key_version: 1 });
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows.map(([id]) => id)).toEqual(ids);
    for (const [id, sig] of rows) expect(crypto.verify('sha256', Buffer.from(`42_${id}`), publicKey, Buffer.from(sig, 'base64'))).toBe(true);
  });

  it('demo runs the whole flow and passes', () => {
    const r = bin(['demo', '--json'], {});
    expect(r.stderr).not.toMatch(FALLBACK);
    expect(r.compiled).toBe(true);
    expect(r.code).toBe(0);
    expect(r.json.ok).toBe(true);
    expect(r.json.steps.every((s: { ok: boolean }) => s.ok)).toBe(true);
  }, 120_000);
});

describe('a source change rebuilds the bundle', () => {
  /** A copy of the package (its node_modules linked) whose sources this test may edit. */
  function packageCopy(): string {
    const root = tmpDir('wxprov-pkg-');
    for (const d of ['bin', 'scripts', 'main', 'preload']) fs.cpSync(path.join(ROOT, d), path.join(root, d), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    // Settled sources: an edit in the same instant as a build is (rightly) built again next time.
    const past = new Date(Date.now() - 60_000);
    for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) fs.utimesSync(path.join(e.parentPath, e.name), past, past);
    }
    return root;
  }

  const bundleId = (root: string) => {
    const s = fs.statSync(path.join(root, 'out', 'cli', 'wxprov.cjs'));
    return `${s.ino}:${s.mtimeMs}`;
  };

  it('builds on first use, reuses it while nothing changed, rebuilds after an edit', async () => {
    const root = packageCopy();
    const first = bin(['frobnicate'], {}, root);
    expect(first.stderr).not.toMatch(FALLBACK);
    expect(first.compiled).toBe(true);
    expect(first.stderr).toMatch(/^error INPUT_UNKNOWN_COMMAND: Unknown command: frobnicate\./);
    const built = bundleId(root);
    expect(bin(['--version'], {}, root).code).toBe(0);
    expect(bundleId(root)).toBe(built);

    const codes = path.join(root, 'main/core/errors/codes.ts');
    fs.writeFileSync(codes, fs.readFileSync(codes, 'utf8').replace("'Unknown command: {command}'", "'No such command here: {command}'"));
    await new Promise((r) => setTimeout(r, 100));
    const after = bin(['frobnicate'], {}, root);
    expect(after.stderr).not.toMatch(FALLBACK);
    expect(after.compiled).toBe(true);
    expect(after.stderr).toMatch(/^error INPUT_UNKNOWN_COMMAND: No such command here: frobnicate\./);
    const rebuilt = bundleId(root);
    expect(rebuilt).not.toBe(built);
    expect(bin(['--version'], {}, root).code).toBe(0);
    expect(bundleId(root)).toBe(rebuilt);
  }, 120_000);
});
