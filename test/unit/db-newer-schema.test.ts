import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB_FILE, openDb } from '../../main/core/db/open.js';
import { MIGRATIONS } from '../../main/core/db/migrations/index.js';
import { isWxError } from '../../main/core/errors/wx-error.js';
import { tmpDir } from '../helpers/tmp.js';

describe('a ledger from a newer version', () => {
  it('is refused with STORE_NEWER_SCHEMA before anything is written, and left as it was', () => {
    const home = tmpDir();
    openDb(home).close();
    const file = path.join(home, DB_FILE);
    const newer = MIGRATIONS.at(-1)!.version + 1;
    const raw = new Database(file);
    raw.pragma(`user_version = ${newer}`);
    raw.close();
    const before = fs.readFileSync(file);
    let caught: unknown;
    try {
      openDb(home).close();
    } catch (e) {
      caught = e;
    }
    expect(isWxError(caught) && caught.code).toBe('STORE_NEWER_SCHEMA');
    expect(isWxError(caught) && caught.params).toMatchObject({ found: newer, known: newer - 1 });
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(newer);
    after.close();
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});
