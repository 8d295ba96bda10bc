import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// electron-store is conf plus Electron's default paths (it cannot load without Electron); with an
// explicit cwd it is conf with `name` as the file name, which is what this stand-in does.
vi.mock('electron-store', async () => {
  const { default: Conf } = await import('conf');
  return {
    default: class extends Conf {
      constructor({ name = 'config', ...rest }: { name?: string; cwd: string }) {
        super({ ...rest, configName: name });
      }
    },
  };
});

const { kvOverStore, openSettingsStore } = await import('../../main/settings-store.js');

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-settings-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('settings store (electron-store adapter)', () => {
  it('keeps dotted keys flat, and null or undefined clears a key', () => {
    const dir = tmp();
    const kv = openSettingsStore(dir);
    kv.set('credentials.appid', 'wx0123456789abcdef');
    kv.set('slots', [{ name: '1', spec: '/dev/ttyUSB0', baud: 115200 }]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'app-settings.json'), 'utf8'))).toEqual({
      'credentials.appid': 'wx0123456789abcdef',
      slots: [{ name: '1', spec: '/dev/ttyUSB0', baud: 115200 }],
    });
    expect(openSettingsStore(dir).get('credentials.appid')).toBe('wx0123456789abcdef');
    kv.set('credentials.appid', null);
    kv.set('slots', undefined);
    expect(kv.get('credentials.appid')).toBeUndefined();
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'app-settings.json'), 'utf8'))).toEqual({});
  });

  it('is owner-only on disk', () => {
    if (process.platform === 'win32') return;
    const dir = tmp();
    openSettingsStore(dir).set('mode', 'simulation');
    expect(fs.statSync(path.join(dir, 'app-settings.json')).mode & 0o777).toBe(0o600);
  });

  it('keeps an unreadable file aside and starts fresh', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'app-settings.json'), '{ broken');
    const kv = openSettingsStore(dir);
    expect(kv.get('mode')).toBeUndefined();
    kv.set('mode', 'real');
    const aside = fs.readdirSync(dir).filter((f) => f.startsWith('app-settings.json.broken-'));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, aside[0]), 'utf8')).toBe('{ broken');
  });

  it('kvOverStore maps to get/set/delete', () => {
    const m = new Map<string, unknown>();
    const kv = kvOverStore({ get: (k: string) => m.get(k), set: (k: string, v: unknown) => void m.set(k, v), delete: (k: string) => void m.delete(k) } as never);
    kv.set('a', 1);
    expect(kv.get('a')).toBe(1);
    kv.set('a', null);
    expect(m.has('a')).toBe(false);
  });
});
