import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, cliDaemon } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

// `wxprov ui` as a user runs it: a child process that prints the page URL (with the session
// token) first, serves the contract on loopback, and exits cleanly on Ctrl-C.

const running: ReturnType<typeof cliDaemon>[] = [];
const children: import('node:child_process').ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  while (running.length) {
    const d = running.pop()!;
    if (d.child.exitCode === null && d.child.signalCode === null) await d.stop();
  }
});

/** A stand-in renderer, so this test does not depend on (or wait for) the Vite build. */
function stubRenderer(): string {
  const dir = tmpDir('wxprov-ui-static-');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>stub station</title>');
  return dir;
}

function start(env: NodeJS.ProcessEnv, extra: string[] = []) {
  const d = cliDaemon(['ui', '--port', '0', '--static-dir', stubRenderer(), ...extra], env);
  running.push(d);
  return d;
}

const call = (base: URL, name: string, token: string | undefined, body: unknown = {}) =>
  fetch(new URL(`/api/${name}`, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'x-wxprov-token': token } : {}) },
    body: JSON.stringify(body),
  });

describe('wxprov ui', () => {
  it('prints the URL with the token first, serves the contract with it, 403 without, exits 0 on SIGINT', async () => {
    const home = tmpDir('wxprov-ui-home-');
    const d = start({ WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: 'correct horse battery staple' });
    const first = await d.firstLine;
    expect(first).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    const url = new URL(first);
    const token = url.searchParams.get('token')!;

    const res = await call(url, 'app.state', token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.ok).toBe(true);
    expect(body.value).toMatchObject({ mode: null, shell: 'browser', keystore: { state: 'none', keychain: false } });

    const denied = await call(url, 'app.state', undefined);
    expect(denied.status).toBe(403);
    expect((await call(url, 'app.state', 'not-the-token')).status).toBe(403);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('stub station');
    expect((await fetch(new URL('/', url))).status).toBe(403);

    // Nothing secret in the output; the settings file lives in WXPROV_HOME.
    expect(d.output()).not.toContain('correct horse');
    expect(await d.stop()).toBe(0);
  });

  it('without WXPROV_KEY_PASSPHRASE it still starts (simulation needs none); no OS keychain in the browser', async () => {
    const home = tmpDir('wxprov-ui-home-');
    const d = start({ WXPROV_HOME: home }, ['--json']);
    const first = JSON.parse(await d.firstLine) as { url: string; port: number; home: string };
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(first.home).toBe(home);
    const url = new URL(first.url);
    const body = (await (await call(url, 'app.state', url.searchParams.get('token')!)).json()) as any;
    expect(body.value.keystore).toEqual({ state: 'none', keychain: false });
    expect(await d.stop()).toBe(0);
  });

  it('refuses a --static-dir without index.html (usage error, exit 2)', async () => {
    const d = cliDaemon(['ui', '--port', '0', '--static-dir', tmpDir('wxprov-ui-empty-')], { WXPROV_HOME: tmpDir('wxprov-ui-home-') });
    running.push(d);
    d.firstLine.catch(() => {}); // it exits before printing a line, on purpose
    let stderr = '';
    d.child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((r) => d.child.once('exit', r));
    expect(code).toBe(2);
    expect(stderr).toMatch(/INPUT_INVALID.*--static-dir/);
  });
});

describe('npm start without the Electron binary', () => {
  it('says so in Chinese and English, runs wxprov ui, prints the URL to open, and stops on SIGINT', async () => {
    const home = tmpDir('wxprov-start-home-');
    // An empty override makes the Electron binary missing whatever is installed here.
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs'), '--port', '0', '--static-dir', stubRenderer()], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, WXPROV_HOME: home, WXPROV_NO_OPEN: '1', ELECTRON_OVERRIDE_DIST_PATH: tmpDir('wxprov-no-electron-') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    let out = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        const m = /^\s+(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)$/m.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`npm start exited ${code}: ${out}`)));
    });
    expect(out).toContain('未安装 Electron');
    expect(out).toContain("Electron's binary is not installed");
    const u = new URL(url);
    const body = (await (await call(u, 'app.state', u.searchParams.get('token')!)).json()) as any;
    expect(body).toMatchObject({ ok: true, value: { shell: 'browser' } });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
