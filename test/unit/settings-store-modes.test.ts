import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';

// As in settings-store.test.ts: electron-store with an explicit cwd is conf.
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

const { openSettingsStore } = await import('../../main/settings-store.js');

describe.runIf(process.platform !== 'win32')('the app settings file (issue 15)', () => {
  it('is tightened to 0600 when opened, before anything is written', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'app-settings.json');
    fs.writeFileSync(file, JSON.stringify({ mode: 'real' }), { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    expect(openSettingsStore(dir).get('mode')).toBe('real');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});
