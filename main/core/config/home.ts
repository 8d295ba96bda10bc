import os from 'node:os';
import path from 'node:path';
import { WxError } from '../errors/wx-error.js';

/**
 * The data directory shared by the CLI and the desktop app, so both see the same records.
 * It mirrors where Electron puts userData for this app on each OS; the Electron main uses
 * this function too rather than app.getPath, so the two can never drift apart.
 *
 * One rule above all: the data dir never depends on the current directory. A second data dir
 * is a second ledger, and two ledgers with one station code mint the same ids. So an empty
 * variable counts as unset (`XDG_CONFIG_HOME=` once gave `./wmpf-provisioning-station`), a
 * relative WXPROV_HOME, APPDATA or HOME is refused with CONFIG_INVALID, and a relative
 * XDG_CONFIG_HOME is ignored, as the XDG Base Directory spec says (every other XDG program on
 * the machine ignores it too).
 */
export const APP_DIR_NAME = 'wmpf-provisioning-station';

/** The OS account's home from the user database, for when HOME / USERPROFILE is unset or empty. */
export type AccountHome = () => string | undefined;

const accountHome: AccountHome = () => {
  try {
    return os.userInfo().homedir || undefined;
  } catch {
    return undefined;
  }
};

/** A variable's value, or undefined when unset, empty or only whitespace. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

const ALLOWED = 'an absolute path (e.g. /srv/wxprov or C:\\wxprov), or unset for the default';

function absolute(name: string, value: string): string {
  if (!path.isAbsolute(value)) throw new WxError('CONFIG_INVALID', { name, detail: `${value} is a relative path`, allowed: ALLOWED });
  return path.resolve(value);
}

function userHome(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, account: AccountHome): string {
  const name = platform === 'win32' ? 'USERPROFILE' : 'HOME';
  const v = envValue(env, name);
  if (v) return absolute(name, v);
  const fromAccount = account();
  if (fromAccount && path.isAbsolute(fromAccount)) return fromAccount;
  throw new WxError('CONFIG_INVALID', { name, detail: 'unset, and the account has no home directory', allowed: `${name} set to an absolute path, or WXPROV_HOME` });
}

export function defaultHome(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, account: AccountHome = accountHome): string {
  if (platform === 'win32') {
    const appData = envValue(env, 'APPDATA');
    const base = appData ? absolute('APPDATA', appData) : path.join(userHome(platform, env, account), 'AppData', 'Roaming');
    return path.join(base, APP_DIR_NAME);
  }
  if (platform === 'darwin') return path.join(userHome(platform, env, account), 'Library', 'Application Support', APP_DIR_NAME);
  const xdg = envValue(env, 'XDG_CONFIG_HOME');
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(userHome(platform, env, account), '.config');
  return path.join(base, APP_DIR_NAME);
}

/** WXPROV_HOME (absolute), else the default; always an absolute path. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, account: AccountHome = accountHome): string {
  const v = envValue(env, 'WXPROV_HOME');
  return v ? absolute('WXPROV_HOME', v) : defaultHome(platform, env, account);
}
