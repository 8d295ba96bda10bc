import os from 'node:os';
import path from 'node:path';

/**
 * The data directory shared by the CLI and the desktop app, so both see the same records.
 * It mirrors where Electron puts userData for this app on each OS; the Electron main uses
 * this function too rather than app.getPath, so the two can never drift apart.
 */
export const APP_DIR_NAME = 'wmpf-provisioning-station';

export function defaultHome(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_DIR_NAME);
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.WXPROV_HOME?.trim();
  return v ? path.resolve(v) : defaultHome(process.platform, env);
}
