import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { pathWithoutSocat } from '../helpers/no-socat.js';
import { bridgeCall, closeAll, launchBrowser, startStation, type Browser, type Station } from './helpers.js';

// A newcomer's first session, in Debian Chromium against the real core through `wxprov ui`:
// first run → simulation → product → key → line screen → two simulated units PASS → sync →
// records export, with no socat on PATH (a Windows station has only what npm install gave it).
// Then the error paths: bad credentials in a real account, an oversize push.

let station: Station;
let browser: Browser;
const noSocat = pathWithoutSocat();

beforeAll(async () => {
  station = await startStation({ env: { PATH: noSocat.PATH } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await closeAll();
  noSocat.remove();
});

/** Calls the bridge like the page does: to check what the UI claims against the core. */
const api = bridgeCall;

const visible = (page: Page, id: string, timeout = 30_000) => expect.poll(() => page.getByTestId(id).first().isVisible(), { timeout }).toBe(true);

describe('a newcomer in simulation mode', () => {
  it('walks from first run to two PASS units, a sync and a CSV export', async () => {
    const { page } = browser;
    await page.goto(station.url);

    // First run: simulation is the obvious choice, and the app says so on every screen after.
    await page.getByTestId('mode-simulation').click();
    await visible(page, 'sim-badge');

    // Setup → product.
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('setup-tab-product').click();
    await page.getByTestId('product-create-zh').fill('智能音箱');
    await page.getByTestId('product-create-en').fill('Smart Speaker');
    await page.getByTestId('product-create-default').fill('音箱');
    await page.getByTestId('product-create-model').fill('SPK-E2E');
    await page.getByTestId('product-create-submit').click();
    await expect.poll(async () => (await api(station, 'products.list')).value?.length ?? 0, { timeout: 20_000 }).toBe(1);
    const product = (await api(station, 'products.list')).value[0];
    expect(product).toMatchObject({ chinese_name: '智能音箱', model_name: 'SPK-E2E' });
    // A newly created product becomes the one the line uses.
    await visible(page, `product-current-${product.product_id}`);

    // Keys: generate and register.
    await page.getByTestId('setup-tab-keys').click();
    await page.getByTestId('key-create').click();
    await expect.poll(async () => (await api(station, 'keys.list', { product_id: product.product_id })).value?.length ?? 0, { timeout: 20_000 }).toBe(1);

    // The line: both simulated units go through and show PASS in large type.
    await page.getByTestId('nav-line').click();
    await page.getByTestId('line-start').click();
    for (const slot of ['1', '2']) {
      await expect.poll(() => page.getByTestId(`tile-result-${slot}`).textContent(), { timeout: 60_000 }).toBe('PASS');
    }
    // The root tsconfig has no DOM types: this runs in the page.
    const size = await page.getByTestId('tile-result-1').evaluate((el: any) => parseFloat((globalThis as any).getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(48);
    await visible(page, 'sim-badge');

    // Queue & sync: both registrations go out.
    await page.getByTestId('nav-queue').click();
    await page.getByTestId('sync-now').click();
    await expect.poll(() => page.getByTestId('queue-synced').textContent(), { timeout: 30_000 }).toContain('2');
    await expect.poll(() => page.getByTestId('queue-pending').textContent()).toContain('0');

    // Records: the two units, and a CSV that opens in Excel/WPS.
    await page.getByTestId('nav-records').click();
    await visible(page, 'records-table');
    await expect.poll(() => page.getByTestId('records-table').locator('tbody tr, .ant-table-row').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await page.getByTestId('records-export').click();
    await visible(page, 'records-export-link');
    const href = await page.getByTestId('records-export-link').getAttribute('href');
    expect(href).toBeTruthy();
    // The link carries no token (the page downloads with its session cookie); a script uses the header.
    expect(href).not.toContain('token');
    const bytes = Buffer.from(await (await fetch(new URL(href!, station.origin), { headers: { 'x-wxprov-token': station.token } })).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the UTF-8 BOM Excel/WPS need
    const csv = bytes.subarray(3).toString('utf8');
    const lines = csv.split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((l) => l.includes('"verified"'))).toBe(true);
    await page.getByRole('button', { name: '知道了' }).click(); // the export dialog

    expect(browser.errors.filter((e) => /pageerror|Content Security Policy/i.test(e))).toEqual([]);
  }, 240_000);

  it('refuses a push message over 5 KB before sending, with a live byte count', async () => {
    const { page } = browser;
    await page.getByTestId('nav-tools').click();
    await page.getByTestId('tools-tab-push').click();
    await page.getByTestId('push-token').fill('some-device-token');
    await page.getByTestId('push-msg').fill('中'.repeat(1707)); // 5121 UTF-8 bytes
    await expect.poll(() => page.getByTestId('push-bytes').getAttribute('data-bytes')).toBe('5121');
    expect(await page.getByTestId('push-bytes').getAttribute('data-over')).toBe('true');
    expect(await page.getByTestId('push-send').isDisabled()).toBe(true);
    // The core refuses it too, with the size, whatever a page might send.
    const r = await api(station, 'tools.push', { push_token: 'some-device-token', msg: '中'.repeat(1707) });
    expect(r).toMatchObject({ ok: false, error: { code: 'INPUT_MSG_TOO_LARGE' } });
    expect(r.error.message_zh).toContain('5121');
  });
});

describe('a real account with a wrong AppSecret', () => {
  let sim: WechatSim;
  let real: Station;
  let b: Browser;
  beforeAll(async () => {
    sim = await startWechatSim();
    real = await startStation({ env: { WXPROV_API_BASE: sim.url } });
    b = await launchBrowser();
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('shows the platform error in plain words, with what to do', async () => {
    const { page } = b;
    await page.goto(real.url);
    await page.getByTestId('mode-real').click();
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('setup-tab-credentials').click();
    await page.getByTestId('cred-appid').fill(sim.appid);
    await page.getByTestId('cred-secret').fill('0'.repeat(32));
    await page.getByTestId('cred-save').click();
    await visible(page, 'cred-saved');
    await page.getByTestId('cred-test').click();
    const alert = page.locator('[data-testid="error-alert"][data-code="WX_BAD_APPSECRET"]').first();
    await expect.poll(() => alert.isVisible(), { timeout: 20_000 }).toBe(true);
    const text = (await alert.textContent()) ?? '';
    expect(text).toMatch(/AppSecret/);
    expect(text).not.toMatch(/at \w+ \(|Error:/); // never a stack trace
    // The secret never comes back to the page.
    const state = await api(real, 'app.state');
    expect(JSON.stringify(state)).not.toContain('0'.repeat(32));
    expect(state.value.credentials).toEqual({ appid: sim.appid, has_secret: true });
  });
});
