import crypto from 'node:crypto';
import type { CoreContext } from '../context.js';
import { WxError, toPayload } from '../errors/wx-error.js';
import { field } from './frame.js';
import type { HostConn } from './host-conn.js';

export interface PushTestResult {
  result: 'PASS' | 'FAIL';
  nonce: string;
  reason: string | null;
  reason_zh: string | null;
  ms: number;
  /** Why it failed, as the unit's error (PUSH_TEST_FAILED naming the cause). */
  error?: WxError;
}

/**
 * The optional end-of-line test: the unit's push_token (TOKEN) → pushappmsg with a fresh
 * nonce → the unit must report `EVENT PUSH` carrying that nonce. Proves the identity works
 * end to end: activated, online, reachable through the platform.
 */
export async function runPushTest(ctx: CoreContext, conn: HostConn, o: { signal?: AbortSignal; waitMs?: number } = {}): Promise<PushTestResult> {
  const started = Date.now();
  const nonce = crypto.randomBytes(8).toString('hex');
  const fail = (e: unknown): PushTestResult => {
    const p = toPayload(e);
    const detail = `${p.code}: ${p.message_en}`;
    const error = new WxError('PUSH_TEST_FAILED', { detail });
    const w = error.toPayload();
    return { result: 'FAIL', nonce, reason: `${w.message_en}. ${w.hint_en}`, reason_zh: `${w.message_zh}。${w.hint_zh}`, ms: Date.now() - started, error };
  };
  let stop = () => {};
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  try {
    const tok = await conn.request('TOKEN', {}, { step: 'push_test', signal: o.signal });
    const pushToken = tok.ok ? field(tok.frame, 'push_token') : undefined;
    if (!pushToken) throw new WxError('DEVICE_ERROR', { step: 'push_test', device_code: tok.code ?? 'BADANSWER', msg: tok.msg || '—', hint: { zh: '设备须已激活并联网', en: 'The unit must be activated and online' } });
    const arrived = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new WxError('DEVICE_NO_ANSWER', { step: 'push_test', tries: 1 })), o.waitMs ?? conn.timing.pushMs);
      // A stop ends the wait at once: the push may take seconds to come back.
      onAbort = () => reject(new WxError('LINE_STOPPED'));
      if (o.signal?.aborted) onAbort();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      stop = conn.onEvent((f) => {
        if (f.subject !== 'PUSH') return;
        const msg = Buffer.from(field(f, 'msg') ?? '', 'base64').toString('utf8');
        if (msg.includes(nonce)) resolve();
      });
    });
    arrived.catch(() => {}); // awaited below; a push call failing first must not leave it unhandled
    await ctx.wechat().pushAppMsg(pushToken, JSON.stringify({ wxprov_push_test: nonce }));
    await arrived;
    return { result: 'PASS', nonce, reason: null, reason_zh: null, ms: Date.now() - started };
  } catch (e) {
    return fail(e);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    stop();
  }
}
