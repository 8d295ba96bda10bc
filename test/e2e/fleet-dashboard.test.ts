import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../../main/core/server/admin/admin-client.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { ROOT } from '../helpers/cli.js';
import { pinnedRequest } from '../helpers/pinned-https.js';
import { uplinkRow } from '../helpers/server-fleet.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { closeAll, launchBrowser, type Browser } from './helpers.js';

// The factory server's dashboard in Debian Chromium at 1366×768: a real `wxprov server`
// process (embedded store) serving this tree's renderer, built for the test into its own
// folder (so a stale out/renderer, or another test building it, cannot change what is seen).
// The zh-CN login, then the stations with a joined station's counts and backlog, a conflict,
// a records search and its export, the registration queue paused by the platform's quota,
// English, and signing out. The page never opens the station's bridge.

const PASSWORD = 'dashboard e2e password';
const SHOTS = path.join(import.meta.dirname, '__shots__');

let sim: WechatSim;
let root: string;
let server: ServerProcess;
let browser: Browser;

const visible = (page: Page, id: string, timeout = 30_000) => expect.poll(() => page.getByTestId(id).first().isVisible(), { timeout }).toBe(true);

/** `vite build` of renderer/ into `outDir` (about two seconds). */
async function buildRenderer(outDir: string): Promise<void> {
  const pkg = createRequire(path.join(ROOT, 'package.json')).resolve('vite/package.json');
  const bin = path.join(path.dirname(pkg), 'bin/vite.js');
  let out = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'build', '--config', 'renderer/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`vite build exited ${code}\n${out}`);
}

beforeAll(async () => {
  sim = await startWechatSim();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-e2e-dash-'));
  const home = path.join(root, 'server');
  const staticDir = path.join(root, 'renderer');
  const env = { WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret, WXPROV_API_BASE: sim.url, WXPROV_KEY_PASSPHRASE: 'server passphrase', WXPROV_OPERATOR: 'admin', WXPROV_ADMIN_PASSWORD: PASSWORD };
  await buildRenderer(staticDir);
  [server, browser] = await Promise.all([startServerProcess({ home, kind: 'embedded', env, args: ['--static-dir', staticDir] }), launchBrowser({ ignoreHTTPSErrors: true })]);
  const admin = <T>(route: string, body: unknown) => adminCall<T>(home, 'POST', route, body);
  const pid = (await admin<{ product_id: number }>('/admin/products/create', { english_name: 'Lamp', chinese_name: '台灯', default_name: '台灯', model_name: 'LAMP-E' })).product_id;
  await admin('/admin/keys/create', { product_id: pid });
  await admin('/admin/products/set', { product_id: pid, id_template: 'E{station}{seq:5}' });
  // The platform's quota is spent for today: the queue pauses with the ids waiting.
  sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 45009, times: Infinity });
  const cred: Record<string, string> = {};
  const call = (s: string, route: string, body: unknown, backlog?: number) =>
    pinnedRequest(server.url, server.fingerprint, 'POST', route, { body, bearer: cred[s], headers: backlog === undefined ? {} : { 'x-wxprov-uplink-pending': String(backlog) } });
  for (const s of ['A1', 'B2']) {
    const e = await admin<{ code: string }>('/admin/enroll', { station: s });
    cred[s] = (await pinnedRequest(server.url, server.fingerprint, 'POST', '/v1/join', { body: { code: e.code } })).json.credential;
  }
  await call('A1', '/v1/blocks', { product_id: pid, count: 4, request_id: 'e2e-1' });
  const at = new Date().toISOString();
  const row = (n: number, o: Record<string, unknown>) => uplinkRow({ row_id: n, version: 1, product_id: pid, device_id: `EA10000${n}`, created_at: at, updated_at: at, ...o });
  const up = await call('A1', '/v1/uplink', { rows: [row(1, { status: 'verified', hwid: 'HW-1' }), row(2, { status: 'verified', hwid: 'HW-2', sn: 'SN-2' }), row(3, { status: 'failed', hwid: 'HW-3' })] }, 3);
  expect(up.status).toBe(200);
  // B2 reports A1's first id on another unit: a conflict.
  await call('B2', '/v1/uplink', { rows: [uplinkRow({ row_id: 1, version: 1, product_id: pid, device_id: 'EA100001', status: 'verified', hwid: 'HW-OTHER', created_at: at, updated_at: at })] });
  // The stations' results logs (kind `result`, under negative row ids): yield. A1: two first
  // passes, a unit failing at verify, one the MES refused before it had an id; B2: one pass.
  const result = (n: number, r: 'PASS' | 'FAIL', o: Record<string, unknown>) =>
    ({ row_id: -n, version: 1, kind: 'result', product_id: pid, result: r, device_id: null, hwid: null, step: r === 'FAIL' ? 'verify' : 'record', code: null, at, port: '/dev/ttyUSB0', ...o });
  const results = await call('A1', '/v1/uplink', {
    rows: [
      result(1, 'PASS', { hwid: 'HW-1', device_id: 'EA100001' }),
      result(2, 'PASS', { hwid: 'HW-2', device_id: 'EA100002', port: '/dev/ttyUSB1' }),
      result(3, 'FAIL', { hwid: 'HW-3', device_id: 'EA100003', code: 'SIGNATURE_BAD' }),
      result(4, 'FAIL', { step: 'mes_check', code: 'MES_REJECTED' }),
    ],
  });
  expect(results.json).toMatchObject({ accepted: 4, duplicates: 0 });
  await call('B2', '/v1/uplink', { rows: [result(1, 'PASS', { hwid: 'HW-9' })] });
}, 240_000);

afterAll(async () => {
  await closeAll();
  await server?.stop();
  await sim?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('the factory dashboard in a browser', () => {
  it('logs in in Chinese and shows the stations, a conflict, the records and the paused queue; then English and signing out', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1366, height: 768 });
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(`${server.url}/`);

    await visible(page, 'fleet-login');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.title()).toBe('WMPF 工厂看板');
    await expect.poll(() => page.getByTestId('fleet-login').innerText()).toContain('登录工厂看板');
    await page.getByTestId('fleet-password').fill('not the password');
    await page.getByTestId('fleet-login-submit').click();
    await visible(page, 'error-alert');
    expect(await page.getByTestId('error-alert').getAttribute('data-code')).toBe('FLEET_LOGIN_WRONG');
    expect(await page.getByTestId('error-alert').innerText()).toContain('管理员密码不对');
    await page.getByTestId('fleet-password').fill(PASSWORD);
    await page.getByTestId('fleet-password').press('Enter');

    // Stations: A1 online, today's 2 passed and 1 failed, the backlog it reported.
    await visible(page, 'fleet-station-A1');
    const a1 = page.getByTestId('fleet-station-A1');
    expect(await a1.getAttribute('data-online')).toBe('true');
    expect(await page.getByTestId('fleet-pass-A1').innerText()).toBe('2');
    expect(await page.getByTestId('fleet-fail-A1').innerText()).toBe('1');
    expect(await page.getByTestId('fleet-backlog-A1').innerText()).toMatch(/^3 条（\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 报告）$/);
    expect(await a1.innerText()).toContain('66.7%');
    expect(await a1.innerText()).toContain('在线');
    await visible(page, 'fleet-station-B2');
    expect(await page.getByTestId('fleet-title').innerText()).toBe('WMPF 工厂看板');
    // Today's units and first-pass yield, from the results log.
    expect(await page.getByTestId('fleet-units-today-A1').innerText()).toBe('4');
    expect(await page.getByTestId('fleet-fpy-today-A1').innerText()).toBe('50.0%');
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'fleet-dashboard-1366-zh-CN.png') });

    // 良率: the whole factory (5 units, 3 first passes), per station, and why units fail.
    expect(await page.getByTestId('fleet-tab-yield').innerText()).toBe('良率');
    await page.getByTestId('fleet-tab-yield').click();
    await visible(page, 'fleet-yield-units');
    await expect.poll(() => page.getByTestId('fleet-yield-units').innerText(), { timeout: 10_000 }).toBe('5');
    expect(await page.getByTestId('fleet-yield-fpy').innerText()).toBe('60.0%');
    expect(await page.getByTestId('fleet-yield-fail').innerText()).toBe('2');
    await visible(page, 'fleet-yield-station-A1');
    expect(await page.getByTestId('fleet-yield-station-A1').innerText()).toContain('50.0%');
    await visible(page, 'fleet-yield-pareto-mes_check-MES_REJECTED');
    expect(await page.getByTestId('fleet-yield-pareto-mes_check-MES_REJECTED').innerText()).toContain('制造系统检查');
    await visible(page, 'fleet-yield-pareto-chart');
    await expect.poll(() => page.getByTestId('fleet-yield-pareto-chart').locator('svg').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('fleet-yield-periods').innerText()).toContain('60.0%');
    await page.screenshot({ path: path.join(SHOTS, 'fleet-dashboard-yield-1366-zh-CN.png') });
    // One station: its own numbers, by slot.
    await page.getByTestId('fleet-yield-station-A1').getByRole('button').click();
    await expect.poll(() => page.getByTestId('fleet-yield-units').innerText(), { timeout: 10_000 }).toBe('4');
    expect(await page.getByTestId('fleet-yield-fpy').innerText()).toBe('50.0%');
    await visible(page, 'fleet-yield-slots');
    expect(await page.getByTestId('fleet-yield-slots').innerText()).toContain('/dev/ttyUSB1');

    await page.getByTestId('fleet-tab-conflicts').click();
    await visible(page, 'fleet-conflicts');
    const conflicts = await page.getByTestId('fleet-conflicts').innerText();
    for (const s of ['一个 ID 两台设备', 'A1', 'EA100001', 'HW-1', 'B2', 'HW-OTHER']) expect(conflicts).toContain(s);

    await page.getByTestId('fleet-tab-records').click();
    await visible(page, 'fleet-record-EA100004');
    await page.getByTestId('fleet-records-device-id').fill('EA100002');
    await page.getByTestId('fleet-records-search').click();
    await expect.poll(() => page.locator('[data-testid^="fleet-record-EA"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId('fleet-record-EA100002').innerText()).toContain('SN-2');
    // The export holds what the search found, through the same cookie.
    const href = (await page.getByTestId('fleet-export').getAttribute('href'))!;
    expect(href).toBe('/dashboard/records.csv?device_id=EA100002');
    const csv = await page.evaluate(async (h) => (await fetch(h)).text(), href);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(2);
    expect(csv).toContain('"EA100002"');

    await page.getByTestId('fleet-tab-queue').click();
    await visible(page, 'fleet-queue-paused');
    expect(await page.getByTestId('fleet-queue-pending').innerText()).toBe('4');
    expect(await page.getByTestId('fleet-queue-failed').innerText()).toBe('0');
    expect(await page.getByTestId('fleet-queue-last-error').innerText()).toContain('45009');

    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('fleet-tab-queue').innerText()).toBe('Registration queue');
    expect(await page.getByTestId('fleet-queue-paused').innerText()).toContain('Registration is paused until');
    expect(await page.title()).toBe('WMPF factory dashboard');
    expect(await page.getByTestId('fleet-tab-yield').innerText()).toBe('Yield');

    await page.getByTestId('fleet-logout').click();
    await visible(page, 'fleet-login');
    await page.reload();
    await visible(page, 'fleet-login');
    expect(await page.getByTestId('fleet-login').innerText()).toContain('Sign in to the factory dashboard');

    // The dashboard is its own page: it never called the station's bridge.
    expect(asked.filter((p) => p.startsWith('/api/'))).toEqual([]);
    expect(browser.errors.filter((e) => /pageerror/i.test(e))).toEqual([]);
  });
});
