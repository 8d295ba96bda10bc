import type { Db } from '../db/open.js';

export type SlotKind = 'passphrase' | 'safeStorage' | 'pkcs11';

export interface SlotRow {
  id: number;
  kind: SlotKind;
  label: string;
  /** passphrase: the scrypt parameters and salt (JSON); null for the others. */
  params: string | null;
  /** The data key wrapped by this slot. */
  wrapped: Buffer;
  created_at: string;
  created_by: string;
}

/** What may be shown of a slot: never `params` or `wrapped`. */
export type SlotInfo = Omit<SlotRow, 'params' | 'wrapped'>;

export interface SealedValue {
  sealed: Buffer;
  /** Not secret, readable while the store is locked (the AppID beside the AppSecret). */
  meta: string | null;
}

/** The key store's tables (migration 0010): its fingerprint, its slots, and named sealed values. */
export class VaultStore {
  constructor(readonly db: Db) {}

  check(): string | undefined {
    return (this.db.prepare('SELECT key_check FROM keystore WHERE id = 1').get() as { key_check: string } | undefined)?.key_check;
  }

  /** False when another process created the store first. */
  create(keyCheck: string, at: string, by: string): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO keystore (id, key_check, created_at, created_by) VALUES (1, ?, ?, ?)').run(keyCheck, at, by).changes === 1;
  }

  slots(kind?: SlotKind): SlotRow[] {
    const where = kind ? 'WHERE kind = ?' : '';
    return this.db.prepare(`SELECT * FROM key_slots ${where} ORDER BY id`).all(...(kind ? [kind] : [])) as SlotRow[];
  }

  addSlot(s: Omit<SlotRow, 'id'>): number {
    return Number(
      this.db
        .prepare('INSERT INTO key_slots (kind, label, params, wrapped, created_at, created_by) VALUES (@kind, @label, @params, @wrapped, @created_at, @created_by)')
        .run(s).lastInsertRowid,
    );
  }

  removeSlot(id: number): void {
    this.db.prepare('DELETE FROM key_slots WHERE id = ?').run(id);
  }

  value(name: string): SealedValue | undefined {
    return this.db.prepare('SELECT sealed, meta FROM sealed_values WHERE name = ?').get(name) as SealedValue | undefined;
  }

  deleteValue(name: string): boolean {
    return this.db.prepare('DELETE FROM sealed_values WHERE name = ?').run(name).changes > 0;
  }

  setValue(name: string, v: SealedValue, at: string, by: string): void {
    this.db
      .prepare(
        `INSERT INTO sealed_values (name, sealed, meta, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, meta = excluded.meta, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(name, v.sealed, v.meta, at, by);
  }

  /** Every sealed private key (a key in a token has none), for re-sealing blobs of the formats from before the key store. */
  productKeyBlobs(): { rowid: number; product_id: number; sealed: Buffer }[] {
    return this.db.prepare('SELECT rowid, product_id, sealed_private_key AS sealed FROM product_keys WHERE sealed_private_key IS NOT NULL ORDER BY rowid').all() as {
      rowid: number;
      product_id: number;
      sealed: Buffer;
    }[];
  }

  /** Compare-and-set: a blob changed by another process meanwhile is left alone. */
  replaceProductKeyBlob(rowid: number, before: Buffer, after: Buffer): boolean {
    return this.db.prepare('UPDATE product_keys SET sealed_private_key = ? WHERE rowid = ? AND sealed_private_key = ?').run(after, rowid, before).changes === 1;
  }
}
