import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from '../helpers/cli.js';
import { bridgeValue, closeAll, launchBrowser, startStation, type Browser, type Station } from './helpers.js';

// The engineer on the queue screen after a 45009: the pause in station and Beijing time, and a
// button that lifts it; the queued ids go out right after. Debian Chromium against the real
// core through `wxprov ui`, in real mode on the simulator over loopback.

let sim: WechatSim;
let station: Station;
let browser: Browser;

beforeAll(async () => {
  sim = await startWechatSim();
  station = await startStation({ env: { WXPROV_API_BASE: sim.url, TZ: 'Asia/Kathmandu' } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await closeAll();
  await sim?.close();
});

const api = (name: string, input: unknown = {}) => bridgeValue(station, name, input);

describe('the queue screen during a quota pause', () => {
  it('shows the resume time in Beijing time and lets the engineer lift the pause', async () => {
    await api('app.chooseMode', { mode: 'real' });
    await api('credentials.set', { appid: sim.appid, appsecret: sim.appsecret });
    const p = await api('products.create', { english_name: 'Fan', chinese_name: '风扇', default_name: '风扇', model_name: 'FAN-1' });
    const added = await cli(['devices', 'add', '--product', String(p.product_id), 'E2E1', 'E2E2', 'E2E3', '--json'], { WXPROV_HOME: station.home });
    expect(added.json.queued).toBe(3);
    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 45009 });
    const hit = await api('sync.now');
    expect(hit.error.code).toBe('WX_QUOTA_EXCEEDED');
    const beijing = new Date(Date.parse(hit.paused_until) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

    const { page } = browser;
    await page.goto(station.url);
    await page.getByTestId('nav-queue').click();
    const alert = page.getByTestId('sync-paused');
    await expect.poll(() => alert.isVisible(), { timeout: 20_000 }).toBe(true);
    // The browser shares this process's zone, as Electron shares the station's.
    const d = new Date(hit.paused_until);
    const two = (n: number) => String(n).padStart(2, '0');
    const local = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
    expect(await alert.textContent()).toContain(`上传已暂停到本机时间 ${local}`);
    expect(await alert.textContent()).toContain(`北京时间 ${beijing}`);
    expect(beijing.endsWith('00:00')).toBe(true);
    expect(await page.getByTestId('queue-pending').textContent()).toContain('3');

    await page.getByTestId('sync-resume').click();
    await expect.poll(() => page.getByTestId('queue-synced').textContent(), { timeout: 20_000 }).toContain('3');
    await expect.poll(() => page.getByTestId('queue-pending').textContent()).toContain('0');
    await expect.poll(() => alert.count()).toBe(0);
    expect(sim.state.products.get(p.product_id)!.device_ids.size).toBe(3);

    const db = new Database(path.join(station.home, 'wxprov.db'), { readonly: true });
    try {
      expect(db.prepare("SELECT actor FROM audit WHERE action = 'sync_resume'").all()).toEqual([{ actor: 'e2e' }]);
    } finally {
      db.close();
    }
    expect(browser.errors.filter((e) => /pageerror|Content Security Policy/i.test(e))).toEqual([]);
  }, 180_000);
});
