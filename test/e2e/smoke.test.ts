import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, launchBrowser, startStation, type Browser, type Station } from './helpers.js';

// The renderer in a real Chromium against the real core through `wxprov ui`: it loads with
// the token, reaches the first-run screen, and the page without the token or its cookie is refused.

let station: Station;
let browser: Browser;

beforeAll(async () => {
  station = await startStation();
  browser = await launchBrowser();
});
afterAll(async () => {
  await closeAll();
});

describe('smoke', () => {
  it('loads with the token and shows the first-run screen', async () => {
    const { page } = browser;
    const res = await page.goto(station.url);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    await expect.poll(() => page.getByTestId('mode-simulation').isVisible(), { timeout: 30_000 }).toBe(true);
    // The session token does not stay in the address bar (history, screenshots, shoulder-surfing).
    expect(page.url()).not.toContain(station.token);
    // Nothing was blocked by the CSP and nothing threw.
    expect(browser.errors.filter((e) => /Content Security Policy|pageerror/i.test(e))).toEqual([]);
  });

  it('without the token or the session cookie the page is refused (403) and no app is served', async () => {
    // A new tab of the browser that opened the address gets in on its cookie (browser-session.test.ts); without it, not.
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    try {
      const res = await page.goto(`${station.origin}/`);
      expect(res?.status()).toBe(403);
      expect(await page.locator('#root').count()).toBe(0);
      const wrong = await page.goto(`${station.origin}/?token=${'A'.repeat(43)}`);
      expect(wrong?.status()).toBe(403);
    } finally {
      await page.close();
    }
  });
});
