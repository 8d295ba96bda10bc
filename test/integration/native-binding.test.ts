import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb, schemaVersion } from '../../main/core/db/open.js';
import { MIGRATIONS } from '../../main/core/db/migrations/index.js';
import { isWxError } from '../../main/core/errors/wx-error.js';
import { electronBindings, ensureElectronBuild, type BuildJob } from '../../main/core/native/index.js';
import { tmpDir } from '../helpers/tmp.js';

// The real better-sqlite3 through the path the Electron main takes: a build made by
// ensureElectronBuild (here for this Node's ABI, by copying npm's build, since Electron's
// headers cannot be fetched here), resolved by electronBindings, opened by openDb with it.

const ROOT = path.resolve(import.meta.dirname, '../..');
const FROM = path.join(ROOT, 'package.json');
const req = createRequire(FROM);
const NODE_BUILD = path.join(path.dirname(req.resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');

/** What a build for this ABI leaves: the addon npm built for this Node. */
async function buildForThisAbi(job: BuildJob): Promise<void> {
  const out = path.join(job.stagingDir, 'node_modules/better-sqlite3/build/Release');
  fs.mkdirSync(out, { recursive: true });
  fs.copyFileSync(NODE_BUILD, path.join(out, 'better_sqlite3.node'));
}

describe('better-sqlite3 from a build of its own', () => {
  it('openDb loads the addon it is given, and a missing one is an error, not a silent fallback', async () => {
    const root = tmpDir('wxprov-native-');
    const electronDir = tmpDir('wxprov-electron-pkg-');
    fs.writeFileSync(path.join(electronDir, 'package.json'), JSON.stringify({ name: 'electron', version: '0.0.0-this-node' }));
    fs.writeFileSync(path.join(electronDir, 'abi_version'), process.versions.modules);
    await ensureElectronBuild({ root, from: FROM, electronDir, builder: buildForThisAbi });

    const build = electronBindings(root, FROM, { ...process.versions, electron: '0.0.0-this-node' });
    if (build.state !== 'ready') throw new Error(build.why);
    const binding = build.bindings['better-sqlite3'];
    expect(binding.startsWith(root)).toBe(true);

    const db = openDb(tmpDir('wxprov-home-'), MIGRATIONS, undefined, binding);
    try {
      expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
      expect(Object.keys(req.cache)).toContain(binding);
    } finally {
      db.close();
    }

    let err: unknown;
    try {
      openDb(tmpDir('wxprov-home-'), MIGRATIONS, undefined, path.join(root, 'gone', 'better_sqlite3.node'));
    } catch (e) {
      err = e;
    }
    expect(isWxError(err) && err.code).toBe('STORE_FAILED');
  });
});
