import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContext } from '../context.js';
import { WxError, isWxError } from '../errors/wx-error.js';
import { KeyService } from '../keys/key-service.js';
import { ProductService } from '../products/product-service.js';
import { startWechatSim } from '../sim/wechat-sim.js';

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
 * The whole API flow against the built-in simulator, in a throwaway data dir: what a
 * newcomer runs first to see every piece work without an account or hardware.
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
    return report;
  } finally {
    ctx.close();
    await sim.close();
    if (!opts.keep) fs.rmSync(home, { recursive: true, force: true });
  }
}
