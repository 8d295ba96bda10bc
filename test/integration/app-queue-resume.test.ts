import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Events, Result } from '../../preload/contract.js';
import { createAppService, type AppService } from '../../main/core/app/app-service.js';
import { dispatch } from '../../main/core/app/dispatch.js';
import { jsonFileKv } from '../../main/core/app/kv.js';
import { startWechatSim, type WechatSim } from '../../main/core/sim/wechat-sim.js';
import { cli } from '../helpers/cli.js';
import { until } from '../helpers/station.js';
import { tmpDir } from '../helpers/tmp.js';

// queue.resume through dispatch(), the path every IPC message and bridge request takes: a real
// mode app on the simulator over loopback, a 45009 pause, refused while locked, lifted by the
// engineer, audited, and the background sync drains the queue right after.

const open: AppService[] = [];
const sims: WechatSim[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
  for (const s of sims.splice(0)) await s.close();
});

describe('app service: queue.resume', () => {
  it('lifts a quota pause for the engineer only, audited; the worker drains the queue at once', async () => {
    const sim = await startWechatSim();
    sims.push(sim);
    const home = tmpDir('wxprov-app-');
    const app = await createAppService({
      home,
      env: { WXPROV_API_BASE: sim.url, WXPROV_OPERATOR: 'eng-wang', WXPROV_KEY_PASSPHRASE: 'engineer passphrase' },
      kv: jsonFileKv(path.join(home, 'app-settings.json')),
      shell: 'browser',
    });
    open.push(app);
    const events: Events['sync'][] = [];
    app.onEvent((name, payload) => {
      if (name === 'sync') events.push(payload as Events['sync']);
    });
    const call = (name: string, input?: unknown): Promise<Result<any>> => dispatch(app.handlers, name, input);
    const ok = async (name: string, input?: unknown) => {
      const r = await call(name, input);
      if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
      return r.value;
    };

    await ok('app.chooseMode', { mode: 'real' });
    await ok('credentials.set', { appid: sim.appid, appsecret: sim.appsecret });
    const p = await ok('products.create', { english_name: 'Fan', chinese_name: '风扇', default_name: '风扇', model_name: 'FAN-1' });
    // The ids are queued by the CLI: the app and the CLI share the data dir.
    const ids = Array.from({ length: 12 }, (_, i) => `AR${i}`);
    const added = await cli(['devices', 'add', '--product', String(p.product_id), ...ids, '--json'], { WXPROV_HOME: home });
    expect(added.json.queued).toBe(12);

    // Nothing to lift yet.
    expect(await ok('queue.resume')).toEqual({ resumed: false, was_paused_until: null });

    sim.inject({ endpoint: 'adddevice', kind: 'errcode', errcode: 45009 });
    const hit = await ok('sync.now');
    expect(hit).toMatchObject({ synced: 0, pending: 12, error: { code: 'WX_QUOTA_EXCEEDED' }, paused_until: expect.any(String) });
    const status = await ok('queue.status');
    expect(status.sync.phase).toBe('paused');
    const paused = await ok('sync.now');
    expect(paused.error.code).toBe('SYNC_PAUSED');
    expect(paused.error.message_zh).toContain('北京时间');

    // Operators (locked) cannot lift it.
    await ok('lock.setPin', { pin: '2468' });
    await ok('lock.lock');
    const refused = await call('queue.resume');
    expect(refused).toMatchObject({ ok: false, error: { code: 'APP_LOCKED' } });
    expect((await ok('queue.status')).sync.phase).toBe('paused');

    await ok('lock.unlock', { pin: '2468' });
    const calls = sim.state.calls.filter((c) => c.endpoint === 'adddevice').length;
    const r = await ok('queue.resume');
    expect(r).toEqual({ resumed: true, was_paused_until: hit.paused_until });

    const done = await until(() => events.find((e) => e.phase === 'idle' && e.queue.pending === 0 && e.queue.synced === 12), 10_000, 'the worker to drain the queue');
    expect(done.last_result).toMatchObject({ synced: 12, pending: 0 });
    expect(done.last_result?.paused_until).toBeUndefined();
    expect(sim.state.calls.filter((c) => c.endpoint === 'adddevice').length).toBe(calls + 1);
    expect(sim.state.products.get(p.product_id)!.device_ids.size).toBe(12);

    const db = new Database(path.join(home, 'wxprov.db'), { readonly: true });
    try {
      const audit = db.prepare("SELECT actor, action, product_id, device_id, detail FROM audit WHERE action = 'sync_resume'").all() as { actor: string; detail: string }[];
      expect(audit).toEqual([{ actor: 'eng-wang', action: 'sync_resume', product_id: null, device_id: null, detail: expect.any(String) }]);
      expect(JSON.parse(audit[0].detail)).toMatchObject({ paused_until: hit.paused_until });
      expect(db.prepare('SELECT paused_until FROM sync_state').get()).toEqual({ paused_until: null });
    } finally {
      db.close();
    }
  }, 60_000);
});
