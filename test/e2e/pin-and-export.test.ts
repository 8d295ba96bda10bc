import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseCsvLine } from '../../main/core/ids/csv.js';
import { bridgeCall, bridgeValue, closeAll, launchBrowser, startStation, type Browser, type Station } from './helpers.js';

// Two things an operator does on the floor, in Debian Chromium against the real core through
// `wxprov ui` (simulation mode): scanning the next unit's barcode while the PIN prompt is open
// (thrown away, never a wrong try), and exporting the failed units the records screen shows
// (the file holds exactly those rows).

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

/**
 * Keys as the keyboard sends them, each with its own time stamp (ms after the first): what a
 * scanner or a person types, with timing that a loaded test machine cannot blur.
 */
async function keys(page: Page, text: string, gapMs: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const t0 = Date.now() / 1000;
  let i = 0;
  for (const ch of text) {
    const timestamp = t0 + (i++ * gapMs) / 1000;
    const enter = ch === '\n';
    const key = enter ? 'Enter' : ch;
    const code = enter ? 'Enter' : `Digit${ch}`;
    const vk = enter ? 13 : ch.charCodeAt(0);
    const text1 = enter ? '\r' : ch;
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key, code, windowsVirtualKeyCode: vk, text: text1, unmodifiedText: text1, timestamp });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code, windowsVirtualKeyCode: vk, timestamp: timestamp + 0.001 });
  }
  await cdp.detach();
}

describe('the PIN prompt and a barcode scanner', () => {
  it('throws a scanned barcode away without counting a try; the PIN typed by hand unlocks', async () => {
    await api('app.chooseMode', { mode: 'simulation' });
    const p = await api('products.create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-1' });
    await api('keys.create', { product_id: p.product_id });
    await api('products.select', { product_id: p.product_id });
    await api('lock.setPin', { pin: '2468' });
    await api('lock.lock');
    const { page } = browser;
    await page.goto(station.url);
    await page.getByTestId('nav-records').click();
    const input = page.getByTestId('pin-input');
    await expect.poll(() => input.isVisible(), { timeout: 20_000 }).toBe(true);
    await input.focus();

    // An EAN-13 and its Enter, 3 ms a key, as a USB scanner types it.
    await keys(page, '6901234567892\n', 3);
    await expect.poll(() => page.getByTestId('pin-scan-ignored').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await input.inputValue()).toBe('');
    expect(await page.getByTestId('pin-wrong').count()).toBe(0);
    expect((await api('app.state')).locked).toBe(true);

    // The core counted no try: a wrong PIN now is the first of five.
    const wrong = await bridgeCall(station, 'lock.unlock', { pin: '0000' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'LOCK_PIN_WRONG', params: { tries_left: 4 } } });

    // A person types the PIN, 120 ms a key, and presses Enter.
    await input.focus();
    await keys(page, '2468\n', 120);
    await expect.poll(async () => (await api('app.state')).locked, { timeout: 10_000 }).toBe(false);
    await expect.poll(() => input.count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => page.getByTestId('records-table').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(browser.errors.filter((e) => /pageerror/i.test(e))).toEqual([]);
  });
});

describe('records export', () => {
  it('exports exactly the failed rows the screen shows, not the whole ledger', async () => {
    await api('line.start');
    const results = async () => (await api('line.status')).slots.map((s: { last: { result: string } | null }) => s.last?.result ?? null);
    await expect.poll(results, { timeout: 30_000 }).toEqual(['PASS', 'PASS']);
    // Two units whose COMMIT fails: FAIL, their ids on the ledger as failed.
    for (const slot of ['1', '2']) {
      await api('sim.placeUnit', { slot, fault: 'flash' });
      await expect.poll(async () => (await api('line.status')).slots.find((s: { slot: { name: string } }) => s.slot.name === slot).last?.result, { timeout: 30_000 }).toBe('FAIL');
    }
    await api('line.stop');
    const failed = (await api('records.search', { status: 'failed' })).rows.map((r: { device_id: string }) => r.device_id).sort();
    expect(failed).toHaveLength(2);
    expect((await api('records.search', {})).rows).toHaveLength(4);

    const { page } = browser;
    await page.goto(station.url);
    await page.getByTestId('nav-records').click();
    const rows = page.getByTestId('records-table').locator('.ant-table-row');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(4);
    await page.getByTestId('records-status').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '失败' }).first().click();
    await page.getByTestId('records-search').click();
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(2);
    // A filter changed but not searched yet does not change what is on screen, nor the export.
    await page.getByTestId('records-device-id').fill('NOPE*');

    await page.getByTestId('records-export').click();
    const link = page.getByTestId('records-export-link');
    await expect.poll(() => link.isVisible(), { timeout: 20_000 }).toBe(true);
    const download = await fetch(new URL((await link.getAttribute('href'))!, station.origin), { headers: { 'x-wxprov-token': station.token } });
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    const [header, ...lines] = bytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean).map(parseCsvLine);
    const at = (name: string) => header.indexOf(name);
    expect(lines.map((l) => l[at('device_id')]).sort()).toEqual(failed);
    expect(lines.every((l) => l[at('status')] === 'failed')).toBe(true);
    expect(browser.errors.filter((e) => /pageerror/i.test(e))).toEqual([]);
  }, 180_000);
});
