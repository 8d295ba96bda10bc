import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintForms } from '../../main/core/fleet/fingerprint.js';
import { adminCall } from '../../main/core/server/admin/admin-client.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cliAsync } from '../helpers/cli-async.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { bridgeValue, closeAll, launchBrowser, startStation, type Browser, type Station } from './helpers.js';

// The setup screen's "join a factory server" in Debian Chromium against a real `wxprov server`
// process (embedded store) and the real core through `wxprov ui`, at 1366×768: the address
// shows the fingerprint it presents; a wrong fingerprint is refused with the mismatch message
// (the one-time code not spent), a wrong code with its own; the right ones, the code typed as a
// barcode scanner types it (ending in Enter), join, and the card shows the membership.

let sim: WechatSim;
let root: string;
let server: ServerProcess;
let station: Station;
let browser: Browser;
let pid = 0;
let code = '';

const visible = (page: Page, id: string, timeout = 30_000) => expect.poll(() => page.getByTestId(id).first().isVisible(), { timeout }).toBe(true);
const alertOf = (page: Page, c: string) => page.locator(`[data-testid="error-alert"][data-code="${c}"]`).first();

beforeAll(async () => {
  sim = await startWechatSim();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-e2e-fleet-'));
  const home = path.join(root, 'server');
  const env = { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: 'server passphrase', WXPROV_OPERATOR: 'admin' };
  [server, station, browser] = await Promise.all([startServerProcess({ home, kind: 'embedded', env }), startStation(), launchBrowser()]);
  // A product with a key and a template, so the joined station takes a block of ids.
  pid = (await adminCall<{ product_id: number }>(home, 'POST', '/admin/products/create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-W' })).product_id;
  await adminCall(home, 'POST', '/admin/keys/create', { product_id: pid });
  await adminCall(home, 'POST', '/admin/products/set', { product_id: pid, id_template: 'W{station}{seq:5}' });
  // As the administrator does it.
  const enrolled = await cliAsync(['server', 'enroll', '--home', home, '--station', 'W1', '--json'], env);
  expect([enrolled.code, enrolled.stderr]).toEqual([0, '']);
  code = enrolled.json.code;
}, 240_000);

afterAll(async () => {
  await closeAll();
  await server?.stop();
  await sim?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('joining a factory server from the setup screen', () => {
  it('shows the fingerprint to compare, refuses a wrong one and a wrong code, joins with the right ones', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(station.url);
    await page.getByTestId('mode-real').click();
    // The credential is sealed in the key store: set up as its card on the same screen asks.
    if ((await bridgeValue(station, 'app.state')).keystore.state === 'none') await bridgeValue(station, 'keystore.setup', { passphrase: 'station passphrase' });
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('setup-tab-fleet').click();
    await visible(page, 'fleet-join-form');
    expect(await page.getByTestId('fleet-check').isDisabled()).toBe(true);

    // Step 1: the address without a scheme (https is assumed) → what it presents, grouped.
    await page.getByTestId('fleet-server-input').fill(server.url.replace('https://', ''));
    await page.getByTestId('fleet-check').click();
    await visible(page, 'fleet-presented');
    const colons = fingerprintForms(server.fingerprint).colons;
    expect(await page.getByTestId('fleet-presented').getAttribute('data-fingerprint')).toBe(server.fingerprint);
    const rows = await page.locator('[data-testid^="fleet-presented-row-"]').allTextContents();
    expect(rows).toHaveLength(4);
    expect(rows.join(':')).toBe(colons);
    expect(await page.getByTestId('fleet-compare').textContent()).toContain('逐组核对');
    const size = await page.getByTestId('fleet-presented-row-0').evaluate((el: any) => parseFloat((globalThis as any).getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(20);
    await page.screenshot({ path: path.join(import.meta.dirname, '__shots__', 'fleet-join-1366-zh-CN.png') });

    // Step 2 with another server's fingerprint: refused before the code is sent.
    await page.getByTestId('fleet-fingerprint-input').fill(fingerprintForms('ab'.repeat(32)).colons);
    await page.getByTestId('fleet-code-input').fill(code);
    await page.getByTestId('fleet-join').click();
    await expect.poll(() => alertOf(page, 'FLEET_CERT_MISMATCH').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await alertOf(page, 'FLEET_CERT_MISMATCH').textContent()).toContain('证书与登记的指纹不符');

    // The right fingerprint (pasted as the terminal wrapped it) and a wrong code.
    await page.getByTestId('fleet-fingerprint-input').fill(`${colons.slice(0, 48)}\n${colons.slice(48)}`);
    await page.getByTestId('fleet-code-input').fill('WRONG-CODE-1234');
    await page.getByTestId('fleet-code-input').press('Enter');
    await expect.poll(() => alertOf(page, 'FLEET_ENROL_REFUSED').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await alertOf(page, 'FLEET_ENROL_REFUSED').textContent()).toContain('注册码不对');
    expect(await page.getByTestId('fleet-code-input').inputValue()).toBe('');

    // The right code, typed as a scanner types it: fast keys, then Enter joins.
    await page.getByTestId('fleet-code-input').pressSequentially(code, { delay: 5 });
    await page.getByTestId('fleet-code-input').press('Enter');
    await visible(page, 'fleet-joined');
    expect(await page.getByTestId('fleet-station-code').textContent()).toBe('W1');
    expect(await page.getByTestId('fleet-server').textContent()).toBe(server.url);
    expect(Number(await page.getByTestId('fleet-backlog').textContent())).toBe(0);
    await expect.poll(() => page.getByTestId(`fleet-unused-${pid}`).getAttribute('data-count')).toBe('1000');
    // Named as the server named it (the products came down with the join).
    await expect.poll(() => page.getByTestId(`fleet-unused-${pid}`).textContent()).toContain('台灯');
    expect(await page.getByTestId('fleet-join-form').count()).toBe(0);
    expect(await page.getByTestId('fleet-last-contact').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    // Fits 1366 wide: nothing scrolls sideways.
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
    await page.screenshot({ path: path.join(import.meta.dirname, '__shots__', 'fleet-joined-1366-zh-CN.png') });

    // The core agrees, and the server knows the station.
    expect((await bridgeValue(station, 'app.state')).fleet).toEqual({ server: server.url, station_code: 'W1', revoked: false });
    const stations = await adminCall<{ stations: { station: string; state: string }[] }>(server.home, 'GET', '/admin/stations');
    expect(stations.stations).toEqual(expect.arrayContaining([expect.objectContaining({ station: 'W1', state: 'joined' })]));

    // In English too.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('fleet-joined').textContent()).toContain('Station code');
    expect(await page.getByTestId('fleet-joined').textContent()).toContain('Pre-signed ids left');
    expect(await page.getByTestId(`fleet-unused-${pid}`).textContent()).toContain('Lamp');
    await page.screenshot({ path: path.join(import.meta.dirname, '__shots__', 'fleet-joined-1366-en.png') });
    expect(browser.errors.filter((e) => /pageerror|Content Security Policy/i.test(e))).toEqual([]);
  }, 180_000);
});
