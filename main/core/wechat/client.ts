import type { ErrorCode } from '../errors/codes.js';
import { WxError } from '../errors/wx-error.js';
import { parseProductId } from '../ids/validate.js';
import { nullLogger, type Logger } from '../log/logger.js';
import { redactor } from '../log/redact.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { callPlatform, retryWhenRetryable, type CallerDeps, type RetryPolicy } from './caller.js';
import { ERRCODE_SYSTEM_BUSY, TOKEN_REJECTED_ERRCODES } from './errcodes.js';
import { checkDeviceIds, checkMiniAppid, checkNonEmpty, checkProductId, checkPushMsg } from './inputs.js';
import { TokenCache } from './token-cache.js';
import { fetchToken, type TokenMode } from './token-endpoint.js';

export type { TokenMode } from './token-endpoint.js';

export interface WechatClientOptions {
  apiBase: string;
  credentials: { appid: string; appsecret: string };
  tokenMode?: TokenMode;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  logger?: Logger;
  retry?: { maxAttempts: number; baseMs: number; capMs: number };
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

type RuntimeEndpoint = 'createproduct' | 'registerpubkey' | 'adddevice' | 'bindwxaapp' | 'pushappmsg';

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Endpoints whose effect must not happen twice behind the operator's back, and what a lost
 * answer is reported as. createproduct is rate-limited and must happen at most once per intent;
 * a push resent after a timeout reaches the device twice.
 */
const SENT_ONCE: Partial<Record<RuntimeEndpoint, ErrorCode>> = {
  createproduct: 'PRODUCT_CREATE_OUTCOME_UNKNOWN',
  pushappmsg: 'PUSH_OUTCOME_UNKNOWN',
};

/** Repeated only when the platform certainly never saw the request, or said itself it did nothing (-1). */
const sentOncePolicy: RetryPolicy = (f) => (f.delivery === 'not-sent' ? f.error.retryable : f.error.errcode === ERRCODE_SYSTEM_BUSY);

/** The WMPF backend API (hardware-framework runtime endpoints) for one mobile-app AppID. */
export class WechatClient {
  private readonly deps: CallerDeps;
  private readonly apiBase: string;
  private readonly mode: TokenMode;
  private readonly tokens: TokenCache;

  constructor(opts: WechatClientOptions) {
    // Registered before anything can log: a URL or error quoting it is masked from the start.
    redactor.add(opts.credentials.appsecret);
    this.apiBase = opts.apiBase.replace(/\/+$/, '');
    this.mode = opts.tokenMode ?? 'stable';
    const now = opts.now ?? Date.now;
    this.deps = {
      fetch: opts.fetch ?? globalThis.fetch,
      now,
      logger: opts.logger ?? nullLogger,
      retry: { ...DEFAULT_BACKOFF, ...opts.retry, sleep: opts.sleep ?? realSleep, random: opts.random ?? Math.random },
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
    const cfg = { apiBase: this.apiBase, appid: opts.credentials.appid, appsecret: opts.credentials.appsecret, mode: this.mode };
    this.tokens = new TokenCache((force) => fetchToken(this.deps, cfg, force), now, this.mode === 'stable');
  }

  /** Proves the credentials work; reports how long the token lasts but never the token itself. */
  async checkToken(): Promise<{ mode: TokenMode; expires_in: number }> {
    await this.tokens.get();
    return { mode: this.mode, expires_in: this.tokens.remainingSec() };
  }

  async createProduct(p: { english_product_name: string; chinese_product_name: string; device_default_name: string }): Promise<{ product_id: number }> {
    const usage = 'english_product_name, chinese_product_name and device_default_name are all required';
    checkNonEmpty('english_product_name', p.english_product_name, usage);
    checkNonEmpty('chinese_product_name', p.chinese_product_name, usage);
    checkNonEmpty('device_default_name', p.device_default_name, usage);
    const body = {
      english_product_name: p.english_product_name,
      chinese_product_name: p.chinese_product_name,
      device_default_name: p.device_default_name,
    };
    const answer = await this.call('createproduct', body);
    const product_id = parseProductId(answer.product_id);
    // errcode 0 means the product exists; without its id we still cannot say which one.
    if (product_id === undefined) throw new WxError('PRODUCT_CREATE_OUTCOME_UNKNOWN', {}, { cause: new WxError('NET_BAD_RESPONSE', { detail: 'no product_id in the answer' }) });
    return { product_id };
  }

  async registerPubkey(product_id: number, pubkey: string): Promise<{ key_version: number }> {
    checkProductId(product_id);
    checkNonEmpty('pubkey', pubkey, 'the whole SPKI PEM public key, header and footer included');
    const answer = await this.call('registerpubkey', { product_id, pubkey });
    const key_version = parseProductId(answer.key_version);
    if (key_version === undefined) throw new WxError('NET_BAD_RESPONSE', { detail: 'no key_version in the answer' }, { retryable: true });
    return { key_version };
  }

  async addDevice(product_id: number, model_name: string, device_id_list: string[]): Promise<void> {
    checkProductId(product_id);
    // The published doc omits model_name but the live API answers -1 without it; a -1 would be
    // retried pointlessly, so it is refused here.
    checkNonEmpty('model_name', model_name, 'adddevice needs the model name registered on WeCooper (--model <name>)');
    checkDeviceIds(device_id_list);
    await this.call('adddevice', { product_id, model_name, device_id_list });
  }

  async bindWxaApp(product_id: number, appid: string): Promise<void> {
    checkProductId(product_id);
    checkMiniAppid(appid);
    await this.call('bindwxaapp', { product_id, appid });
  }

  async pushAppMsg(push_token: string, msg: string): Promise<void> {
    checkNonEmpty('push_token', push_token, 'the push_token the device got from WMPFDeviceApi.getPushToken');
    checkNonEmpty('msg', msg, 'the message text (at most 5120 UTF-8 bytes)');
    checkPushMsg(msg);
    await this.call('pushappmsg', { push_token, msg }, [push_token]);
  }

  /**
   * A runtime endpoint call with the token dance: on a token rejection, one fresh token and
   * one more try; a second rejection is the caller's problem (another tool is fighting over
   * the AppID, or the clock is off).
   */
  private async call(endpoint: RuntimeEndpoint, body: Record<string, unknown>, scrub: string[] = []): Promise<Record<string, unknown>> {
    const unknownOutcome = SENT_ONCE[endpoint];
    const policy = unknownOutcome ? sentOncePolicy : retryWhenRetryable;
    let token = await this.tokens.get();
    let r = await this.send(endpoint, body, token, policy, scrub);
    if (!r.ok && r.failure.delivery === 'answered' && TOKEN_REJECTED_ERRCODES.has(r.failure.error.errcode ?? 0)) {
      token = await this.tokens.replaceRejected(token);
      r = await this.send(endpoint, body, token, policy, scrub);
    }
    if (r.ok) return r.value;
    if (unknownOutcome && r.failure.delivery === 'maybe-sent') {
      // Never retried, never guessed: the operator checks the platform or the device.
      throw new WxError(unknownOutcome, { detail: r.failure.error.code }, { cause: r.failure.error });
    }
    throw r.failure.error;
  }

  private send(endpoint: RuntimeEndpoint, body: Record<string, unknown>, token: string, policy: RetryPolicy, scrub: string[]) {
    const url = new URL(`wxa/business/runtime/${endpoint}`, this.apiBase + '/');
    url.searchParams.set('access_token', token);
    return callPlatform(this.deps, { endpoint, request: { method: 'POST', url, body }, policy, scrub });
  }
}
