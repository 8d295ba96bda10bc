import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_SETTINGS_FILE, openAppSettings } from '../../main/core/app/kv.js';
import { tmpDir } from '../helpers/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('one settings store for the desktop app and the browser fallback', () => {
  it('both shells open <home>/app-settings.json through openAppSettings', () => {
    for (const f of ['main/index.ts', 'main/core/cli/commands/ui.ts']) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      expect(text, f).toMatch(/kv: openAppSettings\(home\)/);
    }
    const home = tmpDir();
    openAppSettings(home).set('mode', 'simulation');
    expect(openAppSettings(home).get('mode')).toBe('simulation');
    expect(fs.readdirSync(home)).toEqual([APP_SETTINGS_FILE]);
  });

  it('takes over the settings the browser fallback kept in ui-settings.json, once, when the app has none', () => {
    const home = tmpDir();
    fs.writeFileSync(path.join(home, 'ui-settings.json'), JSON.stringify({ mode: 'real', slots: [{ name: '1', spec: '/dev/ttyUSB0', baud: 115200 }] }));
    const kv = openAppSettings(home);
    expect(kv.get('mode')).toBe('real');
    expect(fs.existsSync(path.join(home, 'ui-settings.json'))).toBe(false);

    // An app file already there wins; an old bridge file next to it is left alone.
    fs.writeFileSync(path.join(home, 'ui-settings.json'), JSON.stringify({ mode: 'simulation' }));
    expect(openAppSettings(home).get('mode')).toBe('real');
  });
});
