import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../main/core/context.js';
import { KeyService } from '../../main/core/keys/key-service.js';
import { KeyStore } from '../../main/core/keys/key-store.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { tmpDir } from '../helpers/tmp.js';

let sim: WechatSim;
beforeAll(async () => {
  sim = await startWechatSim();
});
afterAll(() => sim.close());

describe('key create when registerpubkey loses its answer', () => {
  it('keeps the sealed key, refuses to sign with it, and resubmits the same public key next time', async () => {
    const env = {
      WXPROV_HOME: tmpDir(),
      WXPROV_API_BASE: sim.url,
      WXPROV_APPID: sim.appid,
      WXPROV_APPSECRET: sim.appsecret,
      WXPROV_KEY_PASSPHRASE: 'pass phrase',
    };
    const ctx = createContext({ env, wechat: { retry: { maxAttempts: 2, baseMs: 1, capMs: 1 }, timeoutMs: 2000 } });
    try {
      const pid = (await ctx.wechat().createProduct({ english_product_name: 'a', chinese_product_name: 'b', device_default_name: 'c' })).product_id;
      const keys = new KeyService(ctx);
      sim.inject({ endpoint: 'registerpubkey', kind: 'drop-before', times: Infinity });
      await expect(keys.create(pid)).rejects.toMatchObject({ retryable: true });
      const pending = new KeyStore(ctx.db).pendingRegistration(pid)!;
      expect(pending.state).toBe('registering');
      expect(() => keys.signer(pid)).toThrow(expect.objectContaining({ code: 'KEY_REGISTER_UNFINISHED' }));

      sim.clearFaults();
      const r = await keys.create(pid);
      expect(r.public_key_pem).toBe(pending.public_key_pem);
      expect(sim.state.products.get(pid)!.pubkeys.get(r.key_version)).toBe(pending.public_key_pem);
      expect(new KeyStore(ctx.db).pendingRegistration(pid)).toBeUndefined();
      expect(keys.list(pid)).toHaveLength(1);
      const sig = keys.signer(pid).sign('DEV1');
      expect(keys.verify(pid, 'DEV1', sig).valid).toBe(true);
    } finally {
      ctx.close();
    }
  });
});
