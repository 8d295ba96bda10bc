import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeValue, closeAll, launchBrowser, startStation, type Browser, type Station } from './helpers.js';

// The line screen follows the unit on the fixture: after a PASS the big green result stays
// only while that unit is on; swapped for a unit that never answers, the tile goes back to
// waiting and the PASS shrinks to one line; the simulated Android unit, picked from the port
// list, works as a slot. Debian Chromium against the real core through `wxprov ui`, in
// simulation mode.

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

describe('the line screen and its slots', () => {
  it('a PASS fills the tile while its unit is on; a silent unit in its place leaves one line of it', async () => {
    await api('app.chooseMode', { mode: 'simulation' });
    const p = await api('products.create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-1' });
    await api('keys.create', { product_id: p.product_id });
    await api('products.select', { product_id: p.product_id });

    const { page } = browser;
    await page.goto(station.url);
    await api('line.start');
    const tile = page.getByTestId('tile-1');
    await expect.poll(() => tile.getAttribute('data-result'), { timeout: 30_000 }).toBe('PASS');
    expect(await tile.getAttribute('data-present')).toBe('yes');
    const id = (await page.getByTestId('tile-device-1').textContent())!.match(/SIM1\w+/)![0];

    await api('sim.placeUnit', { slot: '1', fault: 'silent' });
    await expect.poll(() => tile.getAttribute('data-present'), { timeout: 30_000 }).toBe('no');
    expect(await tile.getAttribute('data-result')).toBe('');
    expect(await page.getByTestId('tile-result-1').count()).toBe(0);
    const previous = page.getByTestId('tile-previous-1');
    expect(await previous.textContent()).toContain('PASS');
    expect(await previous.textContent()).toContain(id);
    expect(await page.getByTestId('tile-device-1').textContent()).not.toContain(id);
    await api('line.stop');
  });

  it('an engineer sets a slot\'s timing on the setup screen; only what was set is saved', async () => {
    const { page } = browser;
    await page.goto(station.url);
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('setup-tab-slots').click();
    await page.locator('.ant-table-row-expand-icon').first().click();
    await page.getByTestId('slot-allowance_ms-0').fill('800');
    await page.getByTestId('slot-commit_ms-0').fill('5000');
    await page.getByTestId('slots-save').click();
    await expect.poll(async () => (await api('app.state')).slots[0], { timeout: 20_000 }).toMatchObject({ allowance_ms: 800, commit_ms: 5000 });
    const [first, second] = (await api('app.state')).slots;
    expect(first.placement_polls).toBeUndefined();
    expect(second).not.toHaveProperty('allowance_ms');
  });

  it('the port picker offers the simulated Android unit; made a slot by its USB port, it PASSes on its own tile', async () => {
    const { page } = browser;
    await page.goto(station.url);
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('setup-tab-slots').click();
    const row = page.getByTestId('port-adb:SIMWMPF0001');
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/安卓（ADB）|Android \(ADB\)/);
    await page.getByTestId('port-use-loc-adb:SIMWMPF0001').click();
    await expect.poll(() => page.getByTestId('slot-spec-2').inputValue()).toBe('adbusb:1-1');
    // No baud rate for a unit on ADB.
    expect(await page.getByTestId('slot-baud-2').textContent()).toBe('—');
    await page.getByTestId('slots-save').click();
    await expect.poll(async () => (await api('app.state')).slots.map((x: { spec: string }) => x.spec), { timeout: 20_000 }).toEqual(['sim:1', 'sim:2', 'adbusb:1-1']);
    const name = (await api('app.state')).slots[2].name as string;

    await page.getByTestId('nav-line').click();
    await api('line.start');
    const tile = page.getByTestId(`tile-${name}`);
    await expect.poll(() => tile.getAttribute('data-result'), { timeout: 30_000 }).toBe('PASS');
    await api('line.stop');
  });
});
