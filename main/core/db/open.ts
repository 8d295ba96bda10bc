import path from 'node:path';
import Database from 'better-sqlite3';
import { ensurePrivateDir, ensurePrivateFile, tightenFile, type OnTightened } from '../config/private-files.js';
import { WxError } from '../errors/wx-error.js';
import type { Migration } from './migration.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

export const DB_FILE = 'wxprov.db';

/**
 * Opens (creating if needed) the station database in `home` and brings its schema up to
 * date. WAL lets the UI read while a sync writes; synchronous=FULL because this is the
 * factory's ledger and a power cut must not lose a committed row.
 *
 * The dir is 0700 and the db and its -wal/-shm 0600 (tightened if found wider, each one
 * reported to `onTightened`): the file holds sealed private keys. SQLite would create the db
 * 0644 and give -wal/-shm the db's mode, so the db file is made owner-only before it opens it.
 *
 * `nativeBinding` is better-sqlite3's addon file when it is not the one npm built for Node:
 * only the Electron main gives one (its Electron build, main/core/native); the CLI never does.
 */
export function openDb(home: string, migrations: readonly Migration[] = MIGRATIONS, onTightened?: OnTightened, nativeBinding?: string): Db {
  let db: Db;
  try {
    ensurePrivateDir(home, onTightened);
    const file = path.join(home, DB_FILE);
    ensurePrivateFile(file, onTightened);
    for (const f of [`${file}-wal`, `${file}-shm`]) tightenFile(f, onTightened);
    db = new Database(file, nativeBinding ? { nativeBinding } : {});
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (e) {
    throw new WxError('STORE_FAILED', { detail: (e as Error).message }, { cause: e });
  }
  try {
    migrate(db, migrations);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = schemaVersion(db);
  const known = migrations.at(-1)?.version ?? 0;
  // A newer program wrote this ledger: its rules (and its columns) are ones this one does not
  // know, so writing to it could break them. Refused before anything is touched.
  if (current > known) throw new WxError('STORE_NEWER_SCHEMA', { found: current, known });
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
