import type { Db } from '../db/open.js';

export interface ProductRow {
  product_id: number;
  english_name: string | null;
  chinese_name: string | null;
  default_name: string | null;
  model_name: string | null;
  created_at: string;
  created_by: string;
  origin: 'created' | 'recorded';
  /** Device id template (migration 0003); null means the default. */
  id_template?: string | null;
}

export interface ProductNames {
  english_name: string;
  chinese_name: string;
  default_name: string;
  model_name: string;
}

export interface IntentRow extends ProductNames {
  id: number;
  state: 'sending' | 'done' | 'failed' | 'unknown' | 'abandoned';
  product_id: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** Products as this station knows them, plus the journal of createproduct intents. */
export class ProductStore {
  constructor(private readonly db: Db) {}

  get(productId: number): ProductRow | undefined {
    return this.db.prepare('SELECT * FROM products WHERE product_id = ?').get(productId) as ProductRow | undefined;
  }

  list(): ProductRow[] {
    return this.db.prepare('SELECT * FROM products ORDER BY created_at, product_id').all() as ProductRow[];
  }


  /** Fills in what a stub row lacks (a product first seen by id only) without erasing anything known. */
  upsertRecorded(row: ProductRow): void {
    this.db
      .prepare(
        `INSERT INTO products (product_id, english_name, chinese_name, default_name, model_name, created_at, created_by, origin)
         VALUES (@product_id, @english_name, @chinese_name, @default_name, @model_name, @created_at, @created_by, @origin)
         ON CONFLICT (product_id) DO UPDATE SET
           english_name = COALESCE(excluded.english_name, english_name),
           chinese_name = COALESCE(excluded.chinese_name, chinese_name),
           default_name = COALESCE(excluded.default_name, default_name),
           model_name   = COALESCE(excluded.model_name, model_name)`,
      )
      .run(row);
  }

  apps(productId: number): string[] {
    return (this.db.prepare('SELECT appid FROM product_apps WHERE product_id = ? ORDER BY bound_at').all(productId) as { appid: string }[]).map(
      (r) => r.appid,
    );
  }

  addApp(productId: number, appid: string, at: string, by: string): void {
    this.db
      .prepare('INSERT INTO product_apps (product_id, appid, bound_at, bound_by) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(productId, appid, at, by);
  }

  // ── createproduct intents ────────────────────────────────────────────────
  latestIntent(n: ProductNames): IntentRow | undefined {
    return this.db
      .prepare(
        `SELECT * FROM product_intents
         WHERE english_name = @english_name AND chinese_name = @chinese_name AND default_name = @default_name AND model_name = @model_name
           AND state IN ('sending', 'unknown', 'done')
         ORDER BY id DESC LIMIT 1`,
      )
      .get(n) as IntentRow | undefined;
  }

  openIntent(n: ProductNames, at: string, by: string): number {
    const r = this.db
      .prepare(
        `INSERT INTO product_intents (english_name, chinese_name, default_name, model_name, state, created_at, updated_at, created_by)
         VALUES (@english_name, @chinese_name, @default_name, @model_name, 'sending', @at, @at, @by)`,
      )
      .run({ ...n, at, by });
    return Number(r.lastInsertRowid);
  }

  setIntent(id: number, state: IntentRow['state'], at: string, fields: { product_id?: number; last_error?: string } = {}): void {
    this.db
      .prepare('UPDATE product_intents SET state = ?, updated_at = ?, product_id = COALESCE(?, product_id), last_error = COALESCE(?, last_error) WHERE id = ?')
      .run(state, at, fields.product_id ?? null, fields.last_error ?? null, id);
  }
}
