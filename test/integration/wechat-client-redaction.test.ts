import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WxError } from '../../main/core/errors/wx-error.js';
import { createLogger, fileSink } from '../../main/core/log/logger.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { WechatClient, type WechatClientOptions } from '../../main/core/wechat/client.js';
import { caught } from '../helpers/caught.js';

// The AppSecret, every access token issued and every push_token must stay out of the log file
// and out of every error, whatever path the flow takes (refreshes, failures, platform texts
// that quote them).

let sim: WechatSim;
let home: string;
let tokensSeen: Set<string>;
let recording: typeof fetch;

beforeEach(async () => {
  sim = await startWechatSim();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-redact-'));
  tokensSeen = new Set();
  // A pass-through that only watches, so the test knows which tokens exist to look for.
  recording = async (input, init) => {
    const t = new URL(String(input)).searchParams.get('access_token');
    if (t) tokensSeen.add(t);
    const res = await fetch(input, init);
    const body = await res.clone().text();
    const m = /"access_token"\s*:\s*"([^"]+)"/.exec(body);
    if (m) tokensSeen.add(m[1]);
    return res;
  };
});
afterEach(async () => {
  await sim.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const texts = (e: WxError): string[] => [
  e.message,
  JSON.stringify(e.toPayload()),
  String(e.stack),
  e.cause instanceof Error ? `${e.cause.message} ${JSON.stringify((e.cause as WxError).params ?? {})}` : String(e.cause ?? ''),
];

describe('redaction', () => {
  it('no secret, token or push_token in the log file or in any thrown error', async () => {
    const logger = createLogger([fileSink(home)]);
    const base: WechatClientOptions = {
      apiBase: sim.url,
      credentials: { appid: sim.appid, appsecret: sim.appsecret },
      logger,
      fetch: recording,
      sleep: async () => {},
      retry: { maxAttempts: 2, baseMs: 1, capMs: 2 },
      timeoutMs: 2000,
    };
    const errors: WxError[] = [];
    const pushToken = 'push-7f3a9c2e5b1d4086';
    sim.registerPushToken(pushToken);

    const c = new WechatClient(base);
    await c.checkToken();
    const { product_id } = await c.createProduct({ english_product_name: 'S', chinese_product_name: '音', device_default_name: '音' });
    sim.expireTokens();
    await c.bindWxaApp(product_id, 'wx1234567890abcdef');
    sim.revokeTokens();
    await c.bindWxaApp(product_id, 'wx1234567890abcdef');
    await c.pushAppMsg(pushToken, 'hello');
    errors.push(await caught(c.pushAppMsg('push-unknown-0000', 'hello')));

    // Platform texts that quote secrets (they do, sometimes): masked before reaching the error.
    const someToken = [...tokensSeen][0];
    sim.inject({ endpoint: 'pushappmsg', kind: 'errcode', errcode: 48012, errmsg: `token ${pushToken} invalid` });
    errors.push(await caught(c.pushAppMsg(pushToken, 'hello')));
    sim.inject({ endpoint: 'bindwxaapp', kind: 'errcode', errcode: 40097, errmsg: `bad access_token ${someToken} secret ${sim.appsecret}` });
    errors.push(await caught(c.bindWxaApp(product_id, 'wx1234567890abcdef')));
    sim.inject({ endpoint: 'bindwxaapp', kind: 'errcode', errcode: 99999, errmsg: `echo ${someToken}` });
    errors.push(await caught(c.bindWxaApp(product_id, 'wx1234567890abcdef')));
    sim.inject({ endpoint: 'createproduct', kind: 'drop' });
    errors.push(await caught(c.createProduct({ english_product_name: 'S', chinese_product_name: '音', device_default_name: '音' })));
    sim.inject({ endpoint: 'bindwxaapp', kind: 'http', status: 500, times: 2 });
    errors.push(await caught(c.bindWxaApp(product_id, 'wx1234567890abcdef')));

    // /cgi-bin/token carries the secret in its query string.
    const t = new WechatClient({ ...base, tokenMode: 'token' });
    await t.checkToken();
    await t.bindWxaApp(product_id, 'wx1234567890abcdef');
    sim.inject({ endpoint: 'token', kind: 'garbage', times: 2 });
    errors.push(await caught(new WechatClient({ ...base, tokenMode: 'token' }).checkToken()));
    await sim.close();
    errors.push(await caught(new WechatClient({ ...base, tokenMode: 'token' }).checkToken()));
    sim = await startWechatSim();

    expect(tokensSeen.size).toBeGreaterThanOrEqual(4);
    expect(errors.map((e) => e.code)).toEqual([
      'WX_PUSH_TOKEN_INVALID',
      'WX_PUSH_TOKEN_INVALID',
      'WX_INVALID_ARGS',
      'WX_PLATFORM_ERROR',
      'PRODUCT_CREATE_OUTCOME_UNKNOWN',
      'NET_HTTP_STATUS',
      'NET_BAD_RESPONSE',
      'NET_UNREACHABLE',
    ]);

    logger.flush();
    const log = fs.readFileSync(path.join(home, 'logs', 'wxprov.log'), 'utf8');
    const lines = log.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => l.event === 'wx.request');
    expect(requests.length).toBeGreaterThan(15);
    for (const r of requests) {
      expect(r).toEqual(expect.objectContaining({ endpoint: expect.any(String), url: expect.any(String), attempt: expect.any(Number), ms: expect.any(Number) }));
    }
    const binds = requests.filter((r) => r.endpoint === 'bindwxaapp');
    expect(binds.slice(0, 2).map((r) => [r.errcode, r.code])).toEqual([[42001, 'WX_TOKEN_EXPIRED'], [0, undefined]]);
    for (const r of binds) expect(r.url).toContain('access_token=***');
    expect(requests.some((r) => r.endpoint === 'token' && String(r.url).includes('secret=***'))).toBe(true);

    const secrets = [sim.appsecret, pushToken, 'push-unknown-0000', ...tokensSeen];
    for (const s of secrets) {
      expect(log).not.toContain(s);
      for (const e of errors) for (const text of texts(e)) expect(text).not.toContain(s);
    }
  });
});
