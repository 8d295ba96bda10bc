import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWechatSim, type Fault, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { WechatClient, type WechatClientOptions } from '../../main/core/wechat/client.js';
import { caught } from '../helpers/caught.js';
import { cliAsync } from '../helpers/cli-async.js';
import { tmpDir } from '../helpers/tmp.js';

// A push whose outcome is unknown is reported PUSH_OUTCOME_UNKNOWN and never resent: once the
// request may have reached the platform, a retry could deliver it twice. Counted on the
// simulator's side: how many pushes it took.

let sim: WechatSim;
let delays: number[];
const TOKEN = 'push-token-0123456789';

beforeEach(async () => {
  sim = await startWechatSim();
  sim.registerPushToken(TOKEN);
  delays = [];
});
afterEach(() => sim.close());

function clientFor(o: Partial<WechatClientOptions> = {}): WechatClient {
  return new WechatClient({
    apiBase: sim.url,
    credentials: { appid: sim.appid, appsecret: sim.appsecret },
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    retry: { maxAttempts: 5, baseMs: 10, capMs: 40 },
    timeoutMs: 300,
    ...o,
  });
}

const pushCalls = () => sim.state.calls.filter((c) => c.endpoint === 'pushappmsg');
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pushappmsg after the request may have reached the platform', () => {
  it('a timeout (the answer comes after the client gave up): PUSH_OUTCOME_UNKNOWN, exactly one push received', async () => {
    const c = clientFor();
    await c.checkToken();
    sim.inject({ endpoint: 'pushappmsg', kind: 'delay', ms: 800, times: Infinity });
    const e = await caught(c.pushAppMsg(TOKEN, 'hello once'));
    expect(e.code).toBe('PUSH_OUTCOME_UNKNOWN');
    expect(e.retryable).toBe(false);
    expect(e.params.detail).toBe('NET_TIMEOUT');
    const p = e.toPayload();
    expect(p.message_en).toMatch(/may or may not have been delivered/);
    expect(p.message_zh).toMatch(/可能已送达/);
    expect(p.hint_en).toMatch(/not resent/);
    await settle(900); // past the late answer: nothing else arrives after it either
    expect(pushCalls()).toHaveLength(1);
    expect(sim.state.pushes.filter((x) => x.push_token === TOKEN)).toHaveLength(1);
  });

  const unknown: [string, Fault, number][] = [
    ['the connection closed after the platform took it', { endpoint: 'pushappmsg', kind: 'drop' }, 1],
    ['the connection closed before an answer (the client cannot tell)', { endpoint: 'pushappmsg', kind: 'drop-before' }, 0],
    ['HTTP 502', { endpoint: 'pushappmsg', kind: 'http', status: 502 }, 0],
    ['an unreadable answer', { endpoint: 'pushappmsg', kind: 'garbage' }, 0],
  ];
  for (const [what, fault, delivered] of unknown) {
    it(`${what}: PUSH_OUTCOME_UNKNOWN, one call`, async () => {
      const c = clientFor({ timeoutMs: 5000 });
      await c.checkToken();
      sim.inject({ ...fault, times: Infinity });
      expect((await caught(c.pushAppMsg(TOKEN, 'hello'))).code).toBe('PUSH_OUTCOME_UNKNOWN');
      expect(pushCalls()).toHaveLength(1);
      expect(sim.state.pushes).toHaveLength(delivered);
    });
  }
});

describe('pushappmsg is retried only while the platform certainly did nothing', () => {
  it('busy (-1), a refused connection and a rejected token are sent again and delivered once each; a dropped answer after them is not', async () => {
    const closed = await startWechatSim();
    await closed.close();
    let refuseNext = false;
    // The first push of the second round goes to a closed port: a real ECONNREFUSED, the request never left.
    const fetchFn: typeof fetch = (input, init) => {
      const u = new URL(String(input));
      if (u.pathname.endsWith('/pushappmsg') && refuseNext) {
        refuseNext = false;
        return fetch(closed.url + u.pathname + u.search, init);
      }
      return fetch(input, init);
    };
    const c = clientFor({ fetch: fetchFn, timeoutMs: 5000 });
    sim.inject({ endpoint: 'pushappmsg', kind: 'errcode', errcode: -1, times: 2 });
    await c.pushAppMsg(TOKEN, 'one');
    expect(pushCalls().map((x) => x.errcode)).toEqual([-1, -1, 0]);
    refuseNext = true;
    await c.pushAppMsg(TOKEN, 'two');
    expect(pushCalls()).toHaveLength(4);
    sim.revokeTokens();
    await c.pushAppMsg(TOKEN, 'three');
    expect(pushCalls().slice(4).map((x) => x.errcode)).toEqual([40001, 0]);
    expect(sim.state.pushes.map((x) => x.msg)).toEqual(['one', 'two', 'three']);

    sim.inject({ endpoint: 'pushappmsg', kind: 'drop', times: Infinity });
    expect((await caught(c.pushAppMsg(TOKEN, 'four'))).code).toBe('PUSH_OUTCOME_UNKNOWN');
    expect(pushCalls()).toHaveLength(7);
    expect(sim.state.pushes.map((x) => x.msg)).toEqual(['one', 'two', 'three', 'four']);
  });
});

describe('wxprov push as a process', () => {
  it('a lost answer: exit 1, one stderr line PUSH_OUTCOME_UNKNOWN, the platform got the push exactly once', async () => {
    const env = { WXPROV_HOME: tmpDir(), WXPROV_API_BASE: sim.url, WXPROV_APPID: sim.appid, WXPROV_APPSECRET: sim.appsecret };
    sim.inject({ endpoint: 'pushappmsg', kind: 'drop', times: Infinity });
    const r = await cliAsync(['push', '--push-token', TOKEN, '--msg', 'line test'], env);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error PUSH_OUTCOME_UNKNOWN: .*may or may not have been delivered/);
    expect(lines[0]).not.toContain(TOKEN);
    expect(pushCalls()).toHaveLength(1);
    expect(sim.state.pushes).toEqual([expect.objectContaining({ push_token: TOKEN, msg: 'line test' })]);
  });
});
