import type { Migration } from '../migration.js';

/**
 * Products, their keys and bound mini programs, and the journal of createproduct intents
 * (written before the call, so an unanswered call is never silently repeated).
 */
export const m0001: Migration = {
  version: 1,
  name: 'products',
  up: `
    CREATE TABLE products (
      product_id   INTEGER PRIMARY KEY,
      english_name TEXT,
      chinese_name TEXT,
      default_name TEXT,
      model_name   TEXT,
      created_at   TEXT NOT NULL,
      created_by   TEXT NOT NULL,
      origin       TEXT NOT NULL CHECK (origin IN ('created', 'recorded'))
    );

    CREATE TABLE product_intents (
      id           INTEGER PRIMARY KEY AUTOINCREMENT,
      english_name TEXT NOT NULL,
      chinese_name TEXT NOT NULL,
      default_name TEXT NOT NULL,
      model_name   TEXT NOT NULL,
      state        TEXT NOT NULL CHECK (state IN ('sending', 'done', 'failed', 'unknown', 'abandoned')),
      product_id   INTEGER,
      last_error   TEXT,
      created_at   TEXT NOT NULL,
      updated_at   TEXT NOT NULL,
      created_by   TEXT NOT NULL
    );
    CREATE INDEX product_intents_names ON product_intents (english_name, chinese_name, default_name, model_name);

    CREATE TABLE product_keys (
      product_id         INTEGER NOT NULL REFERENCES products (product_id),
      key_version        INTEGER,
      public_key_pem     TEXT NOT NULL,
      sealed_private_key BLOB NOT NULL,
      origin             TEXT NOT NULL CHECK (origin IN ('created', 'imported')),
      state              TEXT NOT NULL CHECK (state IN ('registering', 'active')),
      created_at         TEXT NOT NULL,
      created_by         TEXT NOT NULL,
      UNIQUE (product_id, key_version)
    );

    CREATE TABLE product_apps (
      product_id INTEGER NOT NULL REFERENCES products (product_id),
      appid      TEXT NOT NULL,
      bound_at   TEXT NOT NULL,
      bound_by   TEXT NOT NULL,
      PRIMARY KEY (product_id, appid)
    );
  `,
};
