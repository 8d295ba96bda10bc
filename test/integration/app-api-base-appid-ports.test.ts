import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Result } from '../../preload/contract.js';
import { createAppService, type AppService } from '../../main/core/app/app-service.js';
import { dispatch } from '../../main/core/app/dispatch.js';
import { jsonFileKv } from '../../main/core/app/kv.js';
import { readEnv, requireCredentials } from '../../main/core/config/env.js';
import { isWxError } from '../../main/core/errors/wx-error.js';
import { openPtyPair, type PtyPair } from '../../main/core/serial/pty.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { isHostAppId, isMiniAppId } from '../../renderer/src/util/validate.js';
import { tmpDir } from '../helpers/tmp.js';

// Setup without a terminal, through dispatch() as the UI sends it: the API base as an app
// setting (the environment still wins), the AppID judged by one rule in the UI and the CLI,
// and the port list offering what was given before — against the backend simulator on
// loopback and real pseudo-terminals.

const OFFICIAL = 'https://api.weixin.qq.com';
const PASS = 'engineer passphrase';

const apps: AppService[] = [];
const sims: WechatSim[] = [];
const ptys: PtyPair[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  for (const s of sims.splice(0)) await s.close();
  for (const p of ptys.splice(0)) await p.close();
});

async function startApp(home: string, env: NodeJS.ProcessEnv = {}) {
  const app = await createAppService({ home, env: { WXPROV_KEY_PASSPHRASE: PASS, ...env }, kv: jsonFileKv(path.join(home, 'app-settings.json')), shell: 'browser' });
  apps.push(app);
  const call = (name: string, input?: unknown): Promise<Result<any>> => dispatch(app.handlers, name, input);
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
  return { app, call, ok, err };
}

async function simWithSecret() {
  const secret = 'apibase5ecret' + 'f00dcafe0123456789';
  const sim = await startWechatSim({ appsecret: secret });
  sims.push(sim);
  return { sim, secret };
}

describe('the API base as an app setting', () => {
  it('defaults to the official one; set in setup it is stored, shown, and used when the real context is rebuilt', async () => {
    const { sim, secret } = await simWithSecret();
    const home = tmpDir('wxprov-apibase-');
    const a = await startApp(home);
    const first = await a.ok('app.chooseMode', { mode: 'real' });
    expect(first).toMatchObject({ api_base: OFFICIAL, api_base_from: 'official', api_base_official: OFFICIAL });

    const set = await a.ok('app.setApiBase', { api_base: `  ${sim.url}/  ` });
    expect(set).toMatchObject({ api_base: sim.url, api_base_from: 'settings' });
    expect(JSON.parse(fs.readFileSync(path.join(home, 'app-settings.json'), 'utf8')).api_base).toBe(sim.url);

    await a.ok('credentials.set', { appid: sim.appid, appsecret: secret });
    const calls = sim.state.calls.length;
    expect(await a.ok('credentials.test')).toMatchObject({ mode: 'stable' });
    expect(sim.state.calls.length).toBeGreaterThan(calls);

    // A restart keeps it.
    await a.app.close();
    apps.splice(apps.indexOf(a.app), 1);
    const b = await startApp(home);
    expect(await b.ok('app.state')).toMatchObject({ mode: 'real', api_base: sim.url, api_base_from: 'settings' });
    expect(await b.ok('credentials.test')).toMatchObject({ mode: 'stable' });

    // Back to the official one.
    expect(await b.ok('app.setApiBase', { api_base: null })).toMatchObject({ api_base: OFFICIAL, api_base_from: 'official' });
    expect(await b.ok('app.setApiBase', { api_base: sim.url })).toMatchObject({ api_base_from: 'settings' });
    expect(await b.ok('app.setApiBase', { api_base: '' })).toMatchObject({ api_base: OFFICIAL, api_base_from: 'official' });
  });

  it('is checked by the same rule as WXPROV_API_BASE: what one refuses the other refuses, with the same reason', async () => {
    const a = await startApp(tmpDir('wxprov-apibase-'));
    await a.ok('app.chooseMode', { mode: 'real' });
    for (const bad of ['ftp://example.com', 'api.weixin.qq.com', 'http//x', 'javascript:alert(1)', 'file:///etc/passwd']) {
      let envError: unknown;
      try {
        readEnv({ WXPROV_API_BASE: bad, WXPROV_HOME: tmpDir('wxprov-apibase-env-') });
      } catch (e) {
        envError = e;
      }
      expect(isWxError(envError), bad).toBe(true);
      const e = await a.err('app.setApiBase', { api_base: bad });
      expect(e, bad).toMatchObject({ code: 'CONFIG_INVALID', params: { name: 'api_base', detail: (envError as any).params.detail, allowed: (envError as any).params.allowed } });
    }
    expect((await a.ok('app.state')).api_base).toBe(OFFICIAL);
    for (const good of ['http://127.0.0.1:8080', 'https://proxy.example/wx/']) {
      expect((await a.ok('app.setApiBase', { api_base: good })).api_base).toBe(readEnv({ WXPROV_API_BASE: good, WXPROV_HOME: tmpDir('wxprov-apibase-env-') }).apiBase);
    }
  });

  it('WXPROV_API_BASE still wins over the setting, and the state says where it came from', async () => {
    const { sim, secret } = await simWithSecret();
    const a = await startApp(tmpDir('wxprov-apibase-'), { WXPROV_API_BASE: sim.url });
    await a.ok('app.chooseMode', { mode: 'real' });
    const s = await a.ok('app.setApiBase', { api_base: 'http://127.0.0.1:9' });
    expect(s).toMatchObject({ api_base: sim.url, api_base_from: 'environment' });
    await a.ok('credentials.set', { appid: sim.appid, appsecret: secret });
    expect(await a.ok('credentials.test')).toMatchObject({ mode: 'stable' });
  });

  it('is the engineer\'s: refused while the operator lock is on', async () => {
    const a = await startApp(tmpDir('wxprov-apibase-'));
    await a.ok('app.chooseMode', { mode: 'real' });
    await a.ok('lock.setPin', { pin: '2468' });
    await a.ok('lock.lock');
    expect((await a.err('app.setApiBase', { api_base: 'http://127.0.0.1:8080' })).code).toBe('APP_LOCKED');
    await a.ok('lock.unlock', { pin: '2468' });
    expect((await a.ok('app.setApiBase', { api_base: 'http://127.0.0.1:8080' })).api_base_from).toBe('settings');
  });

  it('simulation shows its own simulator and leaves the setting for real mode', async () => {
    const a = await startApp(tmpDir('wxprov-apibase-'));
    const s = await a.ok('app.chooseMode', { mode: 'simulation' });
    expect(s.api_base_from).toBe('simulation');
    const after = await a.ok('app.setApiBase', { api_base: 'http://127.0.0.1:8080' });
    expect(after).toMatchObject({ api_base: s.api_base, api_base_from: 'simulation' });
    expect(await a.ok('app.chooseMode', { mode: 'real' })).toMatchObject({ api_base: 'http://127.0.0.1:8080', api_base_from: 'settings' });
  });
});

describe('one AppID rule for the UI, the CLI and the page', () => {
  it('the app refuses exactly what the CLI refuses, and takes what it takes (spaces around a paste included)', async () => {
    const a = await startApp(tmpDir('wxprov-appid-'));
    await a.ok('app.chooseMode', { mode: 'real' });
    const samples = [
      'wx0123456789abcdef',
      'WX0123456789ABCDEF',
      '  wx0123456789abcdef\t',
      'wx0123456789abcde',
      'wx0123456789abcdef0',
      'wx0123456789abcdeg',
      'not-an-appid',
      'ab0123456789abcdef',
      'wx 0123456789abcdef',
      'f00dcafe0123456789f00dcafe012345', // an AppSecret pasted into the AppID field
    ];
    for (const s of samples) {
      let cli: boolean;
      try {
        requireCredentials(readEnv({ WXPROV_APPID: s, WXPROV_APPSECRET: 'x', WXPROV_HOME: tmpDir('wxprov-appid-env-') }));
        cli = true;
      } catch (e) {
        expect(e, s).toMatchObject({ code: 'CONFIG_INVALID', params: { name: 'WXPROV_APPID' } });
        cli = false;
      }
      const r = await a.call('credentials.set', { appid: s, appsecret: 'x' });
      const ui = r.ok || !(r.error.code === 'INPUT_INVALID' && r.error.params?.field === 'appid');
      expect([s, ui, isHostAppId(s), isMiniAppId(s)]).toEqual([s, cli, cli, cli]);
    }
    // What is stored is the AppID, not the paste around it.
    expect((await a.ok('credentials.set', { appid: ' wx0123456789abcdef ', appsecret: 'x' })).credentials.appid).toBe('wx0123456789abcdef');
    expect(requireCredentials(readEnv({ WXPROV_APPID: ' wx0123456789abcdef ', WXPROV_APPSECRET: 'x', WXPROV_HOME: tmpDir('wxprov-appid-env-') })).appid).toBe('wx0123456789abcdef');
  });
});

describe('the port picker (ports.list)', () => {
  it('offers the slots\' paths and the paths given before while they lead to a tty, with the pseudo-terminals', async () => {
    const dir = tmpDir('wxprov-ports-app-');
    const fix1 = await openPtyPair(path.join(dir, 'ttyFIX1'));
    const fix2 = await openPtyPair(path.join(dir, 'ttyFIX2'));
    ptys.push(fix1, fix2);
    const home = tmpDir('wxprov-ports-home-');
    const a = await startApp(home);
    await a.ok('app.chooseMode', { mode: 'real' });
    const paths = async () => ((await a.ok('ports.list')) as { path: string; source: string; target?: string }[]);

    const before = await paths();
    expect(before.some((p) => p.path === fix1.path)).toBe(false);
    expect(before).toContainEqual({ path: fs.realpathSync(fix1.path), source: 'pty' });

    await a.ok('slots.set', { slots: [{ name: '1', spec: fix1.path, baud: 115200 }, { name: '2', spec: 'sn:FT9XYZ01', baud: 115200 }] });
    expect(await paths()).toContainEqual({ path: fix1.path, target: fs.realpathSync(fix1.path), source: 'given' });

    // Moved to another fixture, the first one is still offered: it was given before.
    await a.ok('slots.set', { slots: [{ name: '1', spec: fix2.path, baud: 115200 }] });
    const now = await paths();
    expect(now.map((p) => p.path)).toEqual(expect.arrayContaining([fix1.path, fix2.path]));
    expect(JSON.parse(fs.readFileSync(path.join(home, 'app-settings.json'), 'utf8')).recent_ports).toEqual([fix2.path, fix1.path]);

    // Gone from the bench, gone from the list (the setting keeps it for when it comes back).
    await fix1.close();
    expect((await paths()).some((p) => p.path === fix1.path)).toBe(false);
  });
});
