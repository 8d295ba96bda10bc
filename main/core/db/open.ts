import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { WxError } from '../errors/wx-error.js';
import type { Migration } from './migration.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

export const DB_FILE = 'wxprov.db';

/**
 * Opens (creating if needed) the station database in `home` and brings its schema up to
 * date. WAL lets the UI read while a sync writes; synchronous=FULL because this is the
 * factory's ledger and a power cut must not lose a committed row.
 */
export function openDb(home: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  let db: Db;
  try {
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    db = new Database(path.join(home, DB_FILE));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (e) {
    throw new WxError('STORE_FAILED', { detail: (e as Error).message }, { cause: e });
  }
  migrate(db, migrations);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = schemaVersion(db);
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
