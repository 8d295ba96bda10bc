import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { bridgeValue, closeAll, launchBrowser, startStation, type Browser, type Station } from './helpers.js';

// Issue 13 as the operator and the engineer see it: the line screen's yield strip counts the
// units of this hour, the records screen's statistics tab shows why units failed (the Pareto,
// and the same numbers as a table), and the setup screen's MES card saves its settings (the
// token never comes back) and shows the report outbox; a unit let through while the MES is
// unreachable says so on its tile. Debian Chromium against the real core through `wxprov ui`,
// in simulation mode.

const SHOTS = path.join(import.meta.dirname, '__shots__');

let station: Station;
let browser: Browser;

beforeAll(async () => {
  station = await startStation();
  browser = await launchBrowser();
  fs.mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await closeAll();
});

const api = (name: string, input: unknown = {}) => bridgeValue(station, name, input);
const tileAttr = (page: Page, name: string, attr: string) => page.getByTestId(`tile-${name}`).getAttribute(attr);
/** true once the MES card says 已保存; an error's code instead, so a failure says which. */
const savedOrError = async (page: Page) => {
  if (await page.getByTestId('mes-saved').isVisible()) return true;
  const alert = page.getByTestId('error-alert');
  return (await alert.count()) ? await alert.first().getAttribute('data-code') : false;
};
const num = async (page: Page, id: string) => Number((await page.getByTestId(id).textContent())?.trim());

describe('yield at a glance, and the MES in the loop', () => {
  it('the strip counts this hour; the statistics tab shows the failure in its Pareto and its table', async () => {
    await api('app.chooseMode', { mode: 'simulation' });
    const p = await api('products.create', { english_name: 'Kettle', chinese_name: '水壶', default_name: '水壶', model_name: 'KET-1' });
    await api('keys.create', { product_id: p.product_id });
    await api('products.select', { product_id: p.product_id });

    const { page } = browser;
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(station.url);
    await expect.poll(() => page.getByTestId('yield-strip').isVisible()).toBe(true);
    // The simulated slots start with a unit on each: both PASS.
    await api('line.start');
    for (const n of ['1', '2']) await expect.poll(() => tileAttr(page, n, 'data-result'), { timeout: 30_000 }).toBe('PASS');
    // A unit whose flash fails: FAIL on slot 2.
    await api('sim.placeUnit', { slot: '2', fault: 'flash' });
    await expect.poll(() => tileAttr(page, '2', 'data-result'), { timeout: 30_000 }).toBe('FAIL');
    await api('line.stop');

    // The strip follows the unit events: this hour's units per slot.
    await expect.poll(() => num(page, 'yield-hour-1'), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => num(page, 'yield-hour-2'), { timeout: 10_000 }).toBe(2);
    expect(await page.getByTestId('yield-fpy-1').textContent()).toBe('100%');
    // Slot 2: its first unit passed, the second failed the first time: 1 of 2 first-pass.
    expect(await page.getByTestId('yield-fpy-2').textContent()).toBe('50%');
    expect(await page.getByTestId('yield-strip').textContent()).toContain('本小时');
    expect(await page.getByTestId('yield-strip').textContent()).toContain('直通率');
    expect(await page.locator('[data-testid="yield-strip-chart"] svg').count()).toBe(1);

    // What the core counts, to compare the screen with.
    const stats = await api('stats.get', { by: 'hour' });
    expect(stats.totals).toMatchObject({ units: 3, pass: 2, fail: 1 });
    expect(stats.pareto).toHaveLength(1);
    const { code } = stats.pareto[0];

    await page.getByTestId('nav-records').click();
    await page.getByTestId('records-tab-stats').click();
    await expect.poll(() => page.getByTestId('stats-total-units').textContent(), { timeout: 20_000 }).toBe('3');
    expect(await page.getByTestId('stats-total-pass').textContent()).toBe('2');
    expect(await page.getByTestId('stats-total-fail').textContent()).toBe('1');
    expect(await page.getByTestId('stats-total-fpy').textContent()).toBe('66.7%');

    // The Pareto chart names the failure's code (SVG: real text) ...
    await expect.poll(() => page.getByTestId('stats-pareto-chart').locator('svg').textContent()).toContain(code);
    // ... and its table view says the same in numbers.
    await page.getByTestId('stats-pareto-view-table').click();
    await expect.poll(() => page.getByTestId(`stats-pareto-code-${code}`).isVisible()).toBe(true);
    const row = page.getByTestId('stats-pareto-table').locator('tr', { has: page.getByTestId(`stats-pareto-code-${code}`) });
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(2)).toEqual(['1', '100%', '100%']);

    // Units per hour, as a table too; and the slot table.
    await page.getByTestId('stats-periods-view-table').click();
    expect(await page.getByTestId('stats-periods-table').textContent()).toContain('66.7%');
    const slot2 = page.getByTestId('stats-slots').locator('tr', { hasText: /^2/ });
    expect((await slot2.locator('td').allTextContents()).slice(0, 4)).toEqual(['2', '2', '1', '1']);
    await page.getByTestId('stats-periods-view-chart').click();
    await page.getByTestId('stats-pareto-view-chart').click();
    await page.screenshot({ path: path.join(SHOTS, 'yield-stats-zh-CN.png'), fullPage: true });
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('lang-switch').getAttribute('data-locale')).toBe('en');
    await expect.poll(() => page.getByTestId('stats-pareto-chart').locator('svg').textContent()).toContain('Failures');
    await page.screenshot({ path: path.join(SHOTS, 'yield-stats-en.png'), fullPage: true });
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('lang-switch').getAttribute('data-locale')).toBe('zh-CN');

    expect(browser.errors.filter((e) => /pageerror/i.test(e))).toEqual([]);
  });

  it('the MES card saves the addresses and the offline choice, and shows the outbox', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(station.url);
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('setup-tab-mes').click();
    await expect.poll(() => page.getByTestId('mes-token-state').getAttribute('data-from'), { timeout: 20_000 }).toBe('none');
    // Nothing listens on port 9 of the loopback: the MES is unreachable.
    await page.getByTestId('mes-check-url').fill('http://127.0.0.1:9/check');
    await page.getByTestId('mes-report-url').fill('http://127.0.0.1:9/report');
    await page.getByTestId('mes-offline-allow').click();
    await page.getByTestId('mes-save').click();
    await expect.poll(() => savedOrError(page), { timeout: 20_000 }).toBe(true);
    expect(await api('mes.get')).toEqual({ check_url: 'http://127.0.0.1:9/check', report_url: 'http://127.0.0.1:9/report', offline: 'allow', token: 'none' });
    // The outbox is shown, and 立即发送 answers (the MES is not there: nothing is sent).
    await expect.poll(() => page.getByTestId('mes-pending').isVisible()).toBe(true);
    await page.getByTestId('mes-sync').click();
    await expect.poll(() => page.getByTestId('mes-sent').textContent()).toBe('0');
    await page.screenshot({ path: path.join(SHOTS, 'mes-card-zh-CN.png'), fullPage: true });
  });

  it('a unit let through while the MES is unreachable says so on its tile', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(station.url);
    await api('line.start');
    const placed = await api('sim.placeUnit', { slot: '1' });
    const notice = page.getByTestId('tile-mes-offline-1');
    await expect.poll(() => notice.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await notice.textContent()).toContain('MES 未连接，已放行');
    // Let through: the new unit itself passed (the MES being away changes only the note).
    const last = async () => (await api('line.status')).slots.find((v: { slot: { name: string } }) => v.slot.name === '1').last;
    await expect.poll(async () => (await last())?.hwid, { timeout: 30_000 }).toBe(placed.hwid);
    expect(await last()).toMatchObject({ result: 'PASS', mes_offline: true });
    await expect.poll(() => notice.isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'line-mes-offline-zh-CN.png') });
    await api('line.stop');
    expect(browser.errors.filter((e) => /pageerror/i.test(e))).toEqual([]);
  });

  it('a token typed on the MES card is kept sealed and never shown again', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(station.url);
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('setup-tab-mes').click();
    await expect.poll(() => page.getByTestId('mes-check-url').inputValue(), { timeout: 20_000 }).toBe('http://127.0.0.1:9/check');
    await page.getByTestId('mes-token').fill('e2e-mes-token, not a secret');
    await page.getByTestId('mes-save').click();
    await expect.poll(() => savedOrError(page), { timeout: 20_000 }).toBe(true);
    expect(await api('mes.get')).toMatchObject({ check_url: 'http://127.0.0.1:9/check', offline: 'allow', token: 'stored' });
    expect(await page.getByTestId('mes-token-state').getAttribute('data-from')).toBe('stored');
    expect(await page.getByTestId('mes-token').inputValue()).toBe('');
    expect(await page.content()).not.toContain('e2e-mes-token');
  });
});
