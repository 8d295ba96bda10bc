import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { bridgeCall, bridgeValue, closeAll, launchBrowser, startStation, type Browser } from './helpers.js';

// The key store on the setup screen, in Debian Chromium against the real core through
// `wxprov ui` started without WXPROV_KEY_PASSPHRASE (no OS keychain in the browser): the
// passphrase is set in the page on first use, and asked for when the store is locked — and
// the CLI opens what the page set up, and the page what the CLI made.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(closeAll);

async function importKey(home: string, pid: number, passphrase: string) {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const file = path.join(home, 'k.pem');
  fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const r = await cli(['key', 'import', '--product', String(pid), '--key-version', '1', '--private-key', file], { WXPROV_HOME: home, WXPROV_KEY_PASSPHRASE: passphrase });
  fs.rmSync(file);
  return { r, privateKey };
}

describe('the key store in the page', () => {
  it('first use: the setup screen asks to set the passphrase instead of warning; the CLI then uses it', async () => {
    const station = await startStation({ env: { WXPROV_KEY_PASSPHRASE: '' } });
    await bridgeValue(station, 'app.chooseMode', { mode: 'real' });
    const { page } = browser;
    await page.goto(station.url);
    await page.getByTestId('nav-setup').click();
    const card = page.getByTestId('keystore-set');
    await expect.poll(() => card.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await card.textContent()).toContain('先设置密钥库口令');
    expect(await page.getByTestId('storage-warning').count()).toBe(0);

    await page.getByTestId('keystore-passphrase').fill('short');
    expect(await card.textContent()).toContain('至少 8 个字符');
    expect(await page.getByTestId('keystore-set-submit').isDisabled()).toBe(true);
    const pass = 'page passphrase 2026';
    await page.getByTestId('keystore-passphrase').fill(pass);
    await page.getByTestId('keystore-passphrase-again').fill(pass);
    await page.getByTestId('keystore-set-submit').click();
    const done = page.getByTestId('keystore-unlocked');
    await expect.poll(() => done.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await done.textContent()).toContain('每次启动都需要输入口令');

    // The same store from the command line, with the passphrase set in the page.
    expect((await importKey(station.home, 41, 'not the page passphrase')).r.stderr).toMatch(/^error KEYSTORE_PASSPHRASE_WRONG/);
    const { r, privateKey } = await importKey(station.home, 41, pass);
    expect(r.code, r.stderr).toBe(0);
    const s = await bridgeValue(station, 'tools.sign', { product_id: 41, device_id: 'PAGE1' });
    expect(crypto.verify('sha256', Buffer.from('41_PAGE1'), privateKey, Buffer.from(s.signature, 'base64'))).toBe(true);
    expect(browser.errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  }, 120_000);

  it('locked (a store the CLI made): the page asks for the passphrase, says when it is wrong, and unlocks', async () => {
    const station = await startStation({ env: { WXPROV_KEY_PASSPHRASE: '' } });
    const pass = 'cli passphrase 2026';
    const { r, privateKey } = await importKey(station.home, 42, pass);
    expect(r.code, r.stderr).toBe(0);
    expect((await bridgeValue(station, 'app.chooseMode', { mode: 'real' })).keystore).toEqual({ state: 'locked', keychain: false });
    expect((await bridgeCall(station, 'tools.sign', { product_id: 42, device_id: 'X' })).error.code).toBe('KEYSTORE_LOCKED');

    const { page } = browser;
    await page.goto(station.url);
    await page.getByTestId('nav-setup').click();
    const card = page.getByTestId('keystore-locked');
    await expect.poll(() => card.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await card.textContent()).toContain('密钥库已锁定');
    await page.screenshot({ path: path.join(import.meta.dirname, '__shots__', 'keystore-locked.png') });

    await page.getByTestId('keystore-passphrase').fill('a wrong passphrase');
    await page.getByTestId('keystore-unlock').click();
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain('密钥库口令不对');
    expect(await page.getByTestId('keystore-passphrase').inputValue()).toBe('');

    await page.getByTestId('keystore-passphrase').fill(pass);
    await page.getByTestId('keystore-passphrase').press('Enter');
    await expect.poll(() => page.getByTestId('keystore-unlocked').isVisible(), { timeout: 20_000 }).toBe(true);
    const s = await bridgeValue(station, 'tools.sign', { product_id: 42, device_id: 'PAGE2' });
    expect(crypto.verify('sha256', Buffer.from('42_PAGE2'), privateKey, Buffer.from(s.signature, 'base64'))).toBe(true);
    expect(station.stdout() + station.stderr()).not.toContain(pass);
  }, 120_000);
});
