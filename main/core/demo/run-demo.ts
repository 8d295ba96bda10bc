import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContext } from '../context.js';
import { WxError, isWxError } from '../errors/wx-error.js';
import { KeyService } from '../keys/key-service.js';
import { ProductService } from '../products/product-service.js';
import { startWechatSim } from '../sim/wechat-sim.js';
import { PassThrough } from 'node:stream';
import { exportRecords } from '../registry/records.js';
import { Registry } from '../registry/registry.js';
import { syncOnce } from '../registry/sync.js';
import { openPtyPair, type PtyPair } from '../serial/pty.js';
import { runStation } from '../serial/station.js';
import { SimDevice, wechatPushHook } from '../sim/device/index.js';

export interface DemoStep {
  step: string;
  ok: boolean;
  detail: string;
}

export interface DemoReport {
  ok: boolean;
  api_base: string;
  home: string;
  product_id?: number;
  key_version?: number;
  steps: DemoStep[];
}

/**
 * The whole flow on the simulators, in a throwaway data dir: the API (token, product, key,
 * bind, sign, push), then the line (two simulated units on pseudo-terminals flashed at once
 * with the push test), sync and records. What a newcomer runs first to see every piece work
 * without an account or hardware.
 */
export async function runDemo(opts: { keep?: boolean; onStep?: (s: DemoStep) => void } = {}): Promise<DemoReport> {
  const sim = await startWechatSim();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-demo-'));
  const ctx = createContext({
    env: {
      WXPROV_HOME: home,
      WXPROV_API_BASE: sim.url,
      WXPROV_APPID: sim.appid,
      WXPROV_APPSECRET: sim.appsecret,
      WXPROV_KEY_PASSPHRASE: crypto.randomBytes(18).toString('base64'),
    },
    actor: 'demo',
  });
  const report: DemoReport = { ok: true, api_base: sim.url, home, steps: [] };
  const ptys: PtyPair[] = [];
  const devices: SimDevice[] = [];
  const step = async <T>(name: string, fn: () => Promise<T> | T, describe: (v: T) => string): Promise<T | undefined> => {
    try {
      const v = await fn();
      const s = { step: name, ok: true, detail: describe(v) };
      report.steps.push(s);
      opts.onStep?.(s);
      return v;
    } catch (e) {
      const s = { step: name, ok: false, detail: isWxError(e) ? `${e.code}: ${e.message}` : String(e) };
      report.steps.push(s);
      report.ok = false;
      opts.onStep?.(s);
      return undefined;
    }
  };
  try {
    const products = new ProductService(ctx);
    const keys = new KeyService(ctx);
    await step('token', () => ctx.wechat().checkToken(), (r) => `credentials accepted (${r.mode}, ${r.expires_in} s)`);
    const names = { english_name: 'Demo Speaker', chinese_name: '演示音箱', default_name: '音箱', model_name: 'DEMO-1' };
    const p = await step('product create', () => products.create(names), (r) => `product_id ${r.product_id}`);
    if (!p) return report;
    report.product_id = p.product_id;
    await step('product create (again)', () => products.create(names), (r) =>
      r.existing ? `same intent answered locally, nothing sent (product_id ${r.product_id})` : 'ERROR: created twice');
    const k = await step('key create', () => keys.create(p.product_id), (r) => `key_version ${r.key_version}, public key registered`);
    if (!k) return report;
    report.key_version = k.key_version;
    const appid = 'wx' + crypto.randomBytes(8).toString('hex');
    await step('bind', () => products.bind(p.product_id, appid), (r) => `mini program ${r.appid} bound`);
    const signer = keys.signer(p.product_id);
    for (const id of ['DEMO000001', 'DEMO000002']) {
      await step(`sign ${id}`, () => {
        const sig = signer.sign(id);
        if (!keys.verify(p.product_id, id, sig).valid) throw new WxError('SIGNATURE_INVALID');
        return sig;
      }, (sig) => `signature ${sig.slice(0, 16)}… verifies`);
    }
    const pushToken = 'demo-push-' + crypto.randomBytes(6).toString('hex');
    sim.registerPushToken(pushToken);
    const received = new Promise<string>((resolve) => sim.onPush((m) => m.push_token === pushToken && resolve(m.msg)));
    await step('push', async () => {
      await ctx.wechat().pushAppMsg(pushToken, '{"hello":"设备"}');
      return received;
    }, (msg) => `device received ${msg}`);
    await step('push over 5 KB', async () => {
      try {
        await ctx.wechat().pushAppMsg(pushToken, 'x'.repeat(5121));
      } catch (e) {
        if (isWxError(e) && e.code === 'INPUT_MSG_TOO_LARGE') return e.message;
        throw e;
      }
      throw new Error('an oversize message was sent');
    }, (m) => `refused before sending: ${m}`);

    // ── the line: two simulated units on pseudo-terminals, flashed at once ──
    const registry = new Registry(ctx);
    await step('station setup', () => {
      registry.settings.set('station_code', 'D1', ctx.now().toISOString(), ctx.actor);
      return registry.setTemplate(p.product_id, 'DM{station}{date:YYMMDD}{seq:4}');
    }, (t) => `station code D1, id template ${t}`);
    const units = await step('units', async () => {
      const made = [];
      for (const n of [1, 2]) {
        const pty = await openPtyPair(path.join(home, `ttyDEMO${n}`));
        ptys.push(pty);
        const dev = await SimDevice.boot(pty.link, { push: wechatPushHook(sim), commitMs: 50 });
        devices.push(dev);
        made.push({ port: pty.path, hwid: dev.hwid });
      }
      return made;
    }, (u) => u.map((x) => `${x.port} (hwid ${x.hwid})`).join(', '));
    if (!units) return report;
    const line = await step('station', async () => {
      const r = await runStation(ctx, units.map((u) => ({ spec: u.port })), { product_id: p.product_id, count: units.length, push_test: true });
      const bad = r.units.find((u) => u.result !== 'PASS' || u.push_test?.result !== 'PASS');
      if (bad) throw new Error(`${bad.port}: ${bad.result} at ${bad.step}: ${bad.reason ?? bad.push_test?.reason}`);
      return r.units;
    }, (us) => us.map((u) => `${u.device_id} PASS (push test PASS)`).join(', '));
    if (!line) return report;
    await step('on the units', () => {
      for (const d of devices) {
        const id = d.identity();
        if (!id || !keys.verify(p.product_id, id.device_id, id.signature, Number(id.key_version)).valid) throw new Error(`unit ${d.hwid} holds no valid identity`);
      }
      return devices.map((d) => d.identity()!.device_id);
    }, (ids) => `both units hold a committed identity that verifies (${ids.join(', ')})`);
    await step('sync', async () => {
      const r = await syncOnce(ctx);
      if (r.error || r.synced !== units.length) throw new Error(r.error ? `${r.error.code}: ${r.error.message_en}` : `synced ${r.synced}`);
      return r;
    }, (r) => `adddevice: ${r.synced} ids in ${r.calls} call(s), pending ${r.pending}`);
    await step('records', async () => {
      const out = new PassThrough();
      let csv = '';
      out.on('data', (c) => (csv += c));
      const n = await exportRecords(ctx.db, { product_id: p.product_id }, 'csv', out);
      if (n !== units.length || csv.split('\r\n').slice(1, -1).some((l) => !/"verified"/.test(l))) throw new Error('the ledger does not show both units verified');
      return n;
    }, (n) => `ledger: ${n} units verified and synced (CSV export)`);
    return report;
  } finally {
    for (const d of devices) d.stop();
    for (const pty of ptys) await pty.close().catch(() => {});
    ctx.close();
    await sim.close();
    if (!opts.keep) fs.rmSync(home, { recursive: true, force: true });
  }
}
