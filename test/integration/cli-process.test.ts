import { describe, expect, it } from 'vitest';
import { cliDaemon, cliProcess } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

// The CLI as a user runs it: real processes, real exit codes, the simulator in its own process.

describe('wxprov as a process', () => {
  it('sim wechat prints its URL first; another process uses it and drives it through admin routes', async () => {
    const sim = cliDaemon(['sim', 'wechat']);
    try {
      const url = await sim.firstLine;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await new Promise((r) => setTimeout(r, 200));
      const secret = /WXPROV_APPSECRET=(\S+)/.exec(sim.output())![1];
      const admin = /x-sim-admin: (\S+)/.exec(sim.output())![1];
      const env = { WXPROV_API_BASE: url, WXPROV_APPID: 'wx0a1b2c3d4e5f6071', WXPROV_APPSECRET: secret, WXPROV_HOME: tmpDir() };
      const ok = cliProcess(['token', '--json'], env);
      expect(ok.code).toBe(0);
      expect(ok.json).toMatchObject({ ok: true, mode: 'stable' });

      const denied = await fetch(`${url}/__sim/faults`, { method: 'POST', body: '{}' });
      expect(denied.status).toBe(403);
      await fetch(`${url}/__sim/faults`, {
        method: 'POST',
        headers: { 'x-sim-admin': admin },
        body: JSON.stringify({ endpoint: 'createproduct', kind: 'errcode', errcode: 48001 }),
      });
      const r = cliProcess(['product', 'create', '--en', 'a', '--zh', 'b', '--default-name', 'c', '--model', 'm'], env);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error WX_API_UNAUTHORIZED \(errcode 48001\): /);
    } finally {
      expect(await sim.stop()).toBe(0);
    }
  });

  it('unknown commands and bad flags exit 2 with a clear line', () => {
    const unknown = cliProcess(['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error INPUT_UNKNOWN_COMMAND: Unknown command: frobnicate/);
    const bad = cliProcess(['sign', '--product', 'abc', '--device-id', 'x'], { WXPROV_HOME: tmpDir() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error INPUT_INVALID: --product is invalid: abc/);
  });

  it('demo runs the whole flow on the simulator and passes', () => {
    const r = cliProcess(['demo', '--json'], {});
    expect(r.code).toBe(0);
    expect(r.json.ok).toBe(true);
    expect(r.json.steps.map((s: { step: string }) => s.step)).toEqual(
      expect.arrayContaining(['token', 'product create', 'key create', 'bind', 'push', 'push over 5 KB', 'units', 'station', 'on the units', 'sync', 'records']),
    );
    expect(r.json.steps.every((s: { ok: boolean }) => s.ok)).toBe(true);
  });
});
