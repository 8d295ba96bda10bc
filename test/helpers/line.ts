import { expect } from 'vitest';
import type { WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from './cli.js';
import { tmpDir } from './tmp.js';

/**
 * A station ready for the line, set up through the CLI as an engineer would: a fresh data
 * dir, a product (model LAMP-1) with a registered key, station code L1 and the template
 * LP{station}{seq:5}, so the first unit gets LPL100001.
 */
export async function setupLine(sim: WechatSim): Promise<{ env: NodeJS.ProcessEnv; pid: number }> {
  const env: NodeJS.ProcessEnv = {
    WXPROV_HOME: tmpDir(),
    WXPROV_API_BASE: sim.url,
    WXPROV_APPID: sim.appid,
    WXPROV_APPSECRET: sim.appsecret,
    WXPROV_KEY_PASSPHRASE: 'line passphrase',
    WXPROV_OPERATOR: 'op7',
  };
  const p = await cli(['product', 'create', '--en', 'Lamp', '--zh', '台灯', '--default-name', '台灯', '--model', 'LAMP-1', '--json'], env);
  const pid = p.json.product_id as number;
  expect((await cli(['key', 'create', '--product', String(pid)], env)).code).toBe(0);
  expect((await cli(['config', 'set', 'station_code', 'L1'], env)).code).toBe(0);
  expect((await cli(['product', 'set', '--product', String(pid), '--id-template', 'LP{station}{seq:5}'], env)).code).toBe(0);
  return { env, pid };
}
