import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bridgeValue, CHROMIUM, CHROMIUM_ARGS, closeAll, launchBrowser, startStation, type Browser, type Station } from './helpers.js';

// Browser mode as the floor lives with it, in Debian Chromium against `wxprov ui`: the printed
// address is traded for a session cookie and leaves the address bar, F5 and a new tab work on
// the cookie, a browser without it gets a page saying how to get in; the API base set in setup
// shows in the header; when the station program hangs or dies a red banner comes within 3 s
// with every control disabled, and goes by itself when the program answers again (after a
// restart, once the new address has been opened in this browser).

let station: Station;
let browser: Browser;

beforeAll(async () => {
  station = await startStation();
  browser = await launchBrowser();
});
afterAll(async () => {
  await closeAll();
});

const api = (name: string, input: unknown = {}) => bridgeValue(station, name, input);

describe('the session cookie', () => {
  it('opens the printed address, cleans the address bar, and survives F5 and a new tab', async () => {
    const { page, context } = browser;
    const res = await page.goto(station.url);
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.getByTestId('mode-simulation').isVisible(), { timeout: 30_000 }).toBe(true);
    expect(page.url()).toBe(`${station.origin}/`);

    const cookies = await context.cookies(station.origin);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: `wxprov_session_${new URL(station.origin).port}`, path: '/', httpOnly: true, sameSite: 'Strict', secure: false, expires: -1 });
    expect(cookies[0].value).not.toBe(station.token);
    // Nothing on the page can read it.
    expect(await page.evaluate('document.cookie')).toBe('');

    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    await expect.poll(() => page.getByTestId('mode-simulation').isVisible(), { timeout: 30_000 }).toBe(true);

    const tab = await context.newPage();
    try {
      expect((await tab.goto(`${station.origin}/`))?.status()).toBe(200);
      await expect.poll(() => tab.getByTestId('mode-simulation').isVisible(), { timeout: 30_000 }).toBe(true);
    } finally {
      await tab.close();
    }
    expect(browser.errors.filter((e) => /Content Security Policy|pageerror/i.test(e))).toEqual([]);
  });

  it('another browser (no cookie) gets a bilingual page saying how to get in, not a bare Forbidden', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-e2e-other-'));
    const other = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = other.pages()[0] ?? (await other.newPage());
      const res = await page.goto(`${station.origin}/`);
      expect(res?.status()).toBe(403);
      const text = await page.locator('body').innerText();
      expect(text).toContain('请从工位程序给出的地址打开本页面');
      expect(text).toContain('Open this page from the address the station program gave');
      expect(text).not.toMatch(/^Forbidden/);
      expect(await page.locator('#root').count()).toBe(0);
    } finally {
      await other.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('when the station program goes away', () => {
  const banner = () => browser.page.getByTestId('connection-lost');

  it('a hang: the red banner within 3 s, controls disabled; it goes by itself when the program answers again', async () => {
    const { page } = browser;
    await page.goto(`${station.origin}/`);
    const control = page.getByTestId('mode-simulation');
    await expect.poll(() => control.isEnabled(), { timeout: 20_000 }).toBe(true);
    expect(await banner().count()).toBe(0);

    station.signal('SIGSTOP');
    const t0 = Date.now();
    try {
      await expect.poll(() => banner().isVisible(), { timeout: 3000, interval: 100 }).toBe(true);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(await banner().innerText()).toContain('与工位程序的连接已断开');
      expect(await control.isDisabled()).toBe(true);
      expect(await page.getByTestId('lang-switch').isDisabled()).toBe(true);
    } finally {
      station.signal('SIGCONT');
    }
    await expect.poll(() => banner().count(), { timeout: 15_000 }).toBe(0);
    expect(await control.isEnabled()).toBe(true);
  });

  it('killed: the banner within 3 s; a new run brings the page back once its new address is opened in this browser', async () => {
    const { page, context } = browser;
    const port = new URL(station.origin).port;
    expect(await banner().count()).toBe(0);

    station.signal('SIGKILL');
    const t0 = Date.now();
    await expect.poll(() => banner().isVisible(), { timeout: 3000, interval: 100 }).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await banner().getAttribute('data-state')).toBe('lost');
    expect(await page.getByTestId('mode-simulation').isDisabled()).toBe(true);
    // Still up after a while: it keeps trying, it does not give up or reload into an error page.
    await page.waitForTimeout(2500);
    expect(await banner().isVisible()).toBe(true);
    expect(page.url()).toBe(`${station.origin}/`);

    // Restarted on the same port: it answers, but this page's session belonged to the old run.
    const again = await startStation({ args: ['--port', port] });
    expect(again.origin).toBe(station.origin);
    await expect.poll(() => banner().getAttribute('data-state'), { timeout: 10_000 }).toBe('expired');
    expect(await banner().innerText()).toContain('工位程序已重新启动');

    // The engineer opens the new address (another tab, same browser): the old tab comes back too.
    const tab = await context.newPage();
    await tab.goto(again.url);
    await expect.poll(() => banner().count(), { timeout: 15_000 }).toBe(0);
    // A new run in a fresh data dir: the page follows it (first run) without a reload.
    await expect.poll(() => page.getByTestId('mode-simulation').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.getByTestId('mode-simulation').isEnabled()).toBe(true);
    await tab.close();
    station = again;
  });
});

describe('the API base in setup', () => {
  it('set through the UI, it is stored and shown in the header while it is not the official one', async () => {
    await api('app.chooseMode', { mode: 'real' });
    const { page } = browser;
    await page.goto(`${station.origin}/`);
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('setup-tab-credentials').click();
    expect(await page.getByTestId('api-base-badge').count()).toBe(0);
    await page.getByTestId('api-base-toggle').click();
    await page.getByTestId('api-base-input').fill('http://127.0.0.1:9/wx-proxy');
    await page.getByTestId('api-base-save').click();
    await expect.poll(() => page.getByTestId('api-base-saved').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await page.getByTestId('api-base-badge').textContent()).toContain('127.0.0.1:9/wx-proxy');
    expect(await api('app.state')).toMatchObject({ api_base: 'http://127.0.0.1:9/wx-proxy', api_base_from: 'settings' });

    await page.getByTestId('api-base-reset').click();
    await expect.poll(() => page.getByTestId('api-base-badge').count(), { timeout: 20_000 }).toBe(0);
    expect((await api('app.state')).api_base_from).toBe('official');
  });
});
