import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../main/core/cli/commands/index.js';
import { cli, ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

// Using the CLI without reading its source: --version, help per group, a typo answered with the
// command meant, `config get`, and exit 2 for every kind of bad input (README "The CLI").

let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  home = tmpDir();
  env = { WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: 'correct horse battery staple', WXPROV_OPERATOR: 'tester' };
});

const pkgVersion = () => (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('wxprov --version', () => {
  it("prints the package's version, as text and as JSON, without opening a data dir", async () => {
    const text = await cli(['--version'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`wxprov ${pkgVersion()}\n`);
    const json = await cli(['--version', '--json'], env);
    expect(json.json).toEqual({ version: pkgVersion(), node: process.version });
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

describe('help for a group', () => {
  it('product --help and help product list the product commands with their usage', async () => {
    for (const argv of [['product', '--help'], ['help', 'product']]) {
      const r = await cli(argv, env);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      for (const sub of ['create', 'add', 'list', 'set']) expect(r.stdout).toContain(`wxprov product ${sub} `);
      expect(r.stdout).not.toContain('wxprov sign ');
    }
  });

  it('a group without its command is a missing word (exit 2) naming the choices', async () => {
    const r = await cli(['devices'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error INPUT_MISSING: wxprov devices <add\|allocate\|search\|void> is missing/);
  });

  it('every command in the table loads as the command its words name', async () => {
    for (const e of COMMANDS) {
      const c = await e.load();
      expect(c.path, c.usage).toEqual(e.path);
      expect(c.usage.startsWith(`wxprov ${e.path.join(' ')}`)).toBe(true);
    }
  });
});

describe('a typo', () => {
  it.each([
    [['prodcut', 'lst'], 'prodcut lst', 'product list'],
    [['product', 'lsit', '--json'], 'product lsit', 'product list'],
    [['sing', '--product', '1'], 'sing', 'sign'],
    [['devics', 'void'], 'devics void', 'devices void'],
    [['syn'], 'syn', 'sync'],
  ])('%j gets "did you mean" (exit 2)', async (argv, typed, meant) => {
    const r = await cli(argv, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error INPUT_UNKNOWN_COMMAND_NEAR: Unknown command: ${typed}. Did you mean wxprov ${meant}?`);
    expect(r.stderr).toContain(`是不是要用 wxprov ${meant}？`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // Nothing close: no guess.
    const far = await cli(['frobnicate', '--json'], env);
    expect(far.code).toBe(2);
    expect(far.json.error).toMatchObject({ code: 'INPUT_UNKNOWN_COMMAND', params: { command: 'frobnicate' } });
  });
});

describe('wxprov config get', () => {
  it('prints one bare value, or {key, value} with --json; nothing for an unset one', async () => {
    expect((await cli(['config', 'get', 'station_code'], env)).stdout).toBe('');
    expect((await cli(['config', 'get', 'station_code', '--json'], env)).json).toEqual({ key: 'station_code', value: null });
    expect((await cli(['config', 'set', 'station_code', 'B7'], env)).code).toBe(0);
    const code = await cli(['config', 'get', 'station_code'], env);
    expect(code.code).toBe(0);
    expect(code.stdout).toBe('B7\n');
    expect((await cli(['config', 'get', 'sync_batch_size'], env)).stdout).toBe('100\n');
    expect((await cli(['config', 'get', 'home', '--json'], env)).json).toEqual({ key: 'home', value: home });
    expect((await cli(['config', 'get', 'station_confirmed'], env)).stdout).toBe('true\n');
  });

  it('an unknown key, or get without one, is bad input naming the keys', async () => {
    const r = await cli(['config', 'get', 'station'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error INPUT_INVALID: <key> is invalid: station\. Allowed: station_code, sync_batch_size, mes_check_url, mes_report_url, mes_offline, mes_token, home, station_confirmed/);
    expect((await cli(['config', 'get'], env)).code).toBe(2);
  });
});

describe('bad input exits 2 everywhere', () => {
  const pem = () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('a setting value, an id template, a private-key export, a key file, a signature, a missing file; not a product that is not recorded (1)', async () => {
    expect((await cli(['product', 'add', '--product', '501', '--model', 'M1'], env)).code).toBe(0);
    const keyFile = path.join(home, 'k.pem');
    fs.writeFileSync(keyFile, pem());
    expect((await cli(['key', 'import', '--product', '501', '--key-version', '1', '--private-key', keyFile], env)).code).toBe(0);
    const junk = path.join(home, 'junk.pem');
    fs.writeFileSync(junk, 'not a key\n');
    const cases: [string[], string][] = [
      [['config', 'set', 'station_code', 'TOO-LONG-CODE'], 'SETTING_INVALID'],
      [['config', 'set', 'no_such_setting', '1'], 'SETTING_INVALID'],
      [['product', 'set', '--product', '501', '--id-template', 'FR{seq:6}'], 'TEMPLATE_INVALID'],
      [['key', 'export', '--product', '501'], 'KEY_EXPORT_PRIVATE_REFUSED'],
      [['key', 'import', '--product', '501', '--key-version', '2', '--private-key', junk], 'KEY_BAD_PEM'],
      [['verify', '--product', '501', '--device-id', 'D1', '--signature', 'AAAA'], 'SIGNATURE_MALFORMED'],
      [['sign', '--product', '501', '--file', path.join(home, 'no-such.csv')], 'FILE_UNREADABLE'],
      [['sign', '--product', '501', '--device-id', 'D1', '--bogus'], 'INPUT_INVALID'],
    ];
    for (const [argv, code] of cases) {
      const r = await cli([...argv, '--json'], env);
      expect(r.json?.error?.code, argv.join(' ')).toBe(code);
      expect(r.code, argv.join(' ')).toBe(2);
    }
    // Well-formed input naming something not recorded is a failure, not bad input.
    const missing = await cli(['product', 'set', '--product', '999', '--model', 'X'], env);
    expect(missing.stderr).toMatch(/^error PRODUCT_NOT_FOUND/);
    expect(missing.code).toBe(1);
  });
});
