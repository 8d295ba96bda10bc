import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_DIR_NAME, resolveHome } from '../../main/core/config/home.js';
import { readEnv } from '../../main/core/config/env.js';
import { isWxError, type WxError } from '../../main/core/errors/wx-error.js';

const caught = (f: () => unknown): WxError => {
  try {
    f();
  } catch (e) {
    if (isWxError(e)) return e;
    throw e;
  }
  throw new Error('expected a WxError');
};

// One data dir, always (issue 12): never one that depends on the current directory.

const account = () => '/home/acct';
const linux = (env: NodeJS.ProcessEnv) => resolveHome(env, 'linux', account);

describe('resolveHome', () => {
  it('treats empty and whitespace-only variables as unset', () => {
    expect(linux({ HOME: '/home/u', XDG_CONFIG_HOME: '' })).toBe(path.join('/home/u/.config', APP_DIR_NAME));
    expect(linux({ HOME: '/home/u', XDG_CONFIG_HOME: '  ', WXPROV_HOME: ' ' })).toBe(path.join('/home/u/.config', APP_DIR_NAME));
    expect(resolveHome({ HOME: '/home/u', APPDATA: '' }, 'darwin', account)).toBe(path.join('/home/u/Library/Application Support', APP_DIR_NAME));
    // HOME empty: the account's home from the user database, never '' (which made ./.config).
    expect(linux({ HOME: '', XDG_CONFIG_HOME: '' })).toBe(path.join('/home/acct/.config', APP_DIR_NAME));
  });

  it('ignores a relative XDG_CONFIG_HOME, as the XDG spec says', () => {
    expect(linux({ HOME: '/home/u', XDG_CONFIG_HOME: 'cfg' })).toBe(path.join('/home/u/.config', APP_DIR_NAME));
    expect(linux({ HOME: '/home/u', XDG_CONFIG_HOME: '/etc/xdg-u' })).toBe(path.join('/etc/xdg-u', APP_DIR_NAME));
  });

  it('refuses a relative WXPROV_HOME or HOME with CONFIG_INVALID naming the variable', () => {
    for (const [env, name] of [
      [{ WXPROV_HOME: './x' }, 'WXPROV_HOME'],
      [{ WXPROV_HOME: 'x' }, 'WXPROV_HOME'],
      [{ WXPROV_HOME: '~/x' }, 'WXPROV_HOME'],
      [{ HOME: 'rel' }, 'HOME'],
    ] as const) {
      const e = caught(() => linux(env));
      expect(e).toMatchObject({ code: 'CONFIG_INVALID', params: { name } });
      expect(String(e.params.allowed)).toMatch(/absolute path/);
    }
    expect(caught(() => readEnv({ WXPROV_HOME: 'data' }))).toMatchObject({ code: 'CONFIG_INVALID', params: { name: 'WXPROV_HOME' } });
  });

  it('is always absolute', () => {
    expect(linux({ WXPROV_HOME: '/srv/wx/../wxprov' })).toBe('/srv/wxprov');
    expect(caught(() => resolveHome({ HOME: '' }, 'linux', () => undefined))).toMatchObject({ code: 'CONFIG_INVALID', params: { name: 'HOME' } });
  });
});
