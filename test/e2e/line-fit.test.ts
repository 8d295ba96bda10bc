import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { strayLatin } from '../helpers/latin-words.js';
import { bridgeValue, closeAll, launchBrowser, startStation, type Browser, type Station } from './helpers.js';

// The line screen as the operator sees it on the screens factories have: 8 slots at 1366×768
// and 16 at 1920×1080, all of it above the fold, the result word whole in a tile of solid
// colour, in Chinese and in English. Debian Chromium against the real core (`wxprov ui`) in
// simulation mode: the two simulated slots give PASS, EXISTING and FAIL, the others are
// ports that do not exist (lost). Screenshots go to test/e2e/__shots__/ (not committed).

const SHOTS = path.join(import.meta.dirname, '__shots__');

let station: Station;
let browser: Browser;
let simSlots: { name: string; spec: string; baud: number }[];

beforeAll(async () => {
  station = await startStation();
  browser = await launchBrowser();
  fs.mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await closeAll();
});

const api = (name: string, input: unknown = {}) => bridgeValue(station, name, input);

/** The two simulated slots, then ports that are not there, up to n slots. */
async function useSlots(n: number): Promise<string[]> {
  const lost = Array.from({ length: n - simSlots.length }, (_, i) => ({ name: String(i + 3), spec: path.join(station.home, 'no-such-port', `ttyLOST${i + 3}`), baud: 115200 }));
  await api('slots.set', { slots: [...simSlots, ...lost] });
  return [...simSlots.map((s) => s.name), ...lost.map((s) => s.name)];
}

const tileAttr = (page: Page, name: string, attr: string) => page.getByTestId(`tile-${name}`).getAttribute(attr);

/** The tile parts that hold words; each must stay inside its tile. */
const PARTS = ['result', 'label', 'fail-step', 'reason', 'next', 'mes-offline', 'lost', 'port-error', 'hint', 'previous', 'device', 'details'];

/**
 * Everything that breaks the layout, in words: a page that scrolls, a tile past the viewport,
 * a part of a tile outside it, a result word or label wider than its box, a yield strip that is
 * missing, outside the window or over the tiles.
 */
async function layoutProblems(page: Page, names: string[]): Promise<string[]> {
  // The root tsconfig has no DOM types: this runs in the page.
  return page.evaluate(
    ({ names, parts }) => {
      const g = globalThis as any;
      const doc = g.document;
      const out: string[] = [];
      const vw = g.innerWidth;
      const vh = g.innerHeight;
      const page = doc.scrollingElement;
      if (page.scrollHeight > vh) out.push(`the page scrolls: ${page.scrollHeight}px tall in a ${vh}px window`);
      if (page.scrollWidth > vw) out.push(`the page scrolls sideways: ${page.scrollWidth}px in ${vw}px`);
      const box = (r: any) => `${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`;
      const strip = doc.querySelector('[data-testid="yield-strip"]');
      const s = strip?.getBoundingClientRect();
      if (!s || s.height === 0) out.push('the yield strip is missing');
      else {
        if (s.top < 0 || s.left < 0 || s.bottom > vh + 0.5 || s.right > vw + 0.5) out.push(`the yield strip (${box(s)}) is outside the ${vw}×${vh} window`);
        if (strip.scrollHeight > strip.clientHeight + 1) out.push(`the yield strip wraps: ${strip.scrollHeight}px of content in ${strip.clientHeight}px`);
        const first = doc.querySelector(`[data-testid="tile-${names[0]}"]`)?.getBoundingClientRect();
        if (first && first.top < s.bottom - 0.5) out.push(`the yield strip (${box(s)}) overlaps tile ${names[0]} (${box(first)})`);
      }
      for (const n of names) {
        const tile = doc.querySelector(`[data-testid="tile-${n}"]`);
        if (!tile) {
          out.push(`tile ${n} is missing`);
          continue;
        }
        const t = tile.getBoundingClientRect();
        if (t.top < 0 || t.left < 0 || t.bottom > vh + 0.5 || t.right > vw + 0.5) out.push(`tile ${n} (${box(t)}) is outside the ${vw}×${vh} window`);
        for (const part of parts) {
          const el = doc.querySelector(`[data-testid="tile-${part}-${n}"]`);
          if (!el) continue;
          const r = el.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          if (r.top < t.top - 0.5 || r.left < t.left - 0.5 || r.bottom > t.bottom + 0.5 || r.right > t.right + 0.5) out.push(`tile-${part}-${n} (${box(r)}) sticks out of its tile (${box(t)})`);
          if ((part === 'result' || part === 'label') && el.scrollWidth > el.clientWidth) out.push(`tile-${part}-${n} "${el.textContent}" is cut: ${el.scrollWidth}px of text in ${el.clientWidth}px`);
        }
      }
      return out;
    },
    { names, parts: PARTS },
  );
}

async function setLocale(page: Page, locale: 'zh-CN' | 'en') {
  const sw = page.getByTestId('lang-switch');
  if ((await sw.getAttribute('data-locale')) !== locale) await sw.click();
  await expect.poll(() => sw.getAttribute('data-locale')).toBe(locale);
}

/** Layout in both languages, a screenshot of each. */
async function checkBoth(page: Page, names: string[], shot: string) {
  for (const locale of ['zh-CN', 'en'] as const) {
    await setLocale(page, locale);
    await page.screenshot({ path: path.join(SHOTS, `${shot}-${locale}.png`) });
    expect(await layoutProblems(page, names), `${shot} in ${locale}`).toEqual([]);
  }
}

describe('the line screen fits the screens factories have', () => {
  it('8 slots at 1366×768: PASS, EXISTING and FAIL whole, lost ports, in zh and en', async () => {
    await api('app.chooseMode', { mode: 'simulation' });
    const p = await api('products.create', { english_name: 'Fan', chinese_name: '风扇', default_name: '风扇', model_name: 'FAN-1' });
    await api('keys.create', { product_id: p.product_id });
    await api('products.select', { product_id: p.product_id });
    simSlots = (await api('app.state')).slots;
    expect(simSlots.map((s) => s.name)).toEqual(['1', '2']);
    const names = await useSlots(8);

    const { page } = browser;
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(station.url);
    await setLocale(page, 'zh-CN');
    await api('line.start');
    for (const n of ['1', '2']) await expect.poll(() => tileAttr(page, n, 'data-result'), { timeout: 30_000 }).toBe('PASS');
    for (const n of names.slice(2)) await expect.poll(() => tileAttr(page, n, 'data-state'), { timeout: 30_000 }).toBe('lost');
    await checkBoth(page, names, 'line-1366-8-pass');
    // The strip counts the two units of this hour, and did not cost the tiles their fit (above).
    await expect.poll(async () => Number(await page.getByTestId('yield-hour-1').textContent()), { timeout: 10_000 }).toBe(1);

    // The same units found again by a restarted line: EXISTING, the longest word.
    await api('line.stop');
    await api('line.start');
    for (const n of ['1', '2']) await expect.poll(() => tileAttr(page, n, 'data-result'), { timeout: 30_000 }).toBe('EXISTING');
    await checkBoth(page, names, 'line-1366-8-existing');

    // A unit whose flash fails at COMMIT: FAIL, with what to do in the operator's language.
    await api('sim.placeUnit', { slot: '2', fault: 'flash' });
    await expect.poll(() => tileAttr(page, '2', 'data-result'), { timeout: 30_000 }).toBe('FAIL');
    await checkBoth(page, names, 'line-1366-8-fail');

    await setLocale(page, 'zh-CN');
    const next = (await page.getByTestId('tile-next-2').textContent()) ?? '';
    expect(next).toContain('设备无法写入自身的存储');
    expect(strayLatin(next)).toEqual([]);
    expect(strayLatin((await page.getByTestId('tile-reason-2').textContent()) ?? '').filter((w) => w !== 'FLASH')).toEqual([]);
    expect(strayLatin((await page.getByTestId('tile-fail-step-2').textContent()) ?? '')).toEqual([]);

    // A lost port says what to check in plain words; the command is for the engineer, behind 详情.
    expect(await page.getByTestId('tile-hint-3').textContent()).toBe('➜ 检查 USB 线和转接器是否插好');
    expect(await page.getByTestId('tile-detail-3').count()).toBe(0);
    await page.getByTestId('tile-details-3').click();
    const detail = page.getByTestId('tile-detail-3');
    await expect.poll(() => detail.isVisible()).toBe(true);
    expect(await detail.textContent()).toContain('PORT_NOT_FOUND');
    expect(await detail.textContent()).toContain('wxprov ports');
    expect(await layoutProblems(page, names)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'line-1366-8-details-zh-CN.png') });
    await page.getByTestId('tile-details-3').click();
    await expect.poll(() => detail.count()).toBe(0);

    expect(browser.errors.filter((e) => /pageerror/i.test(e))).toEqual([]);
    await api('line.stop');
  });

  it('16 slots at 1920×1080, in zh and en', async () => {
    const { page } = browser;
    await api('line.stop');
    const names = await useSlots(16);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await api('line.start');
    await expect.poll(() => tileAttr(page, '1', 'data-result'), { timeout: 30_000 }).toBe('EXISTING');
    await expect.poll(() => tileAttr(page, '2', 'data-result'), { timeout: 30_000 }).toBe('FAIL');
    for (const n of names.slice(2)) await expect.poll(() => tileAttr(page, n, 'data-state'), { timeout: 30_000 }).toBe('lost');
    await checkBoth(page, names, 'line-1920-16');
    await api('line.stop');
  });
});
