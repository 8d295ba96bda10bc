import Database from 'better-sqlite3';
import { migrate } from '../../main/core/db/open.js';
import type { Migration } from '../../main/core/db/migration.js';
import { MIGRATIONS } from '../../main/core/db/migrations/index.js';

/** An in-memory database migrated up to (and including) `version`, foreign keys on as in production. */
export function dbAt(version: number, all: readonly Migration[] = MIGRATIONS): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, all.filter((m) => m.version <= version));
  return db;
}

export const tables = (db: Database.Database): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

export function addProduct(db: Database.Database, productId = 1, model: string | null = 'M1'): void {
  db.prepare("INSERT INTO products (product_id, model_name, created_at, created_by, origin) VALUES (?, ?, 't', 'u', 'recorded')").run(productId, model);
}

export function addDevice(db: Database.Database, productId: number, deviceId: string, status = 'allocated'): number {
  return Number(
    db
      .prepare("INSERT INTO devices (product_id, device_id, status, station, operator, created_at, updated_at) VALUES (?, ?, ?, 'A1', 'op', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
      .run(productId, deviceId, status).lastInsertRowid,
  );
}
