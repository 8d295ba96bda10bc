import type { ProductNames, ProductRow } from '../../products/product-store.js';
import type { Queryable } from '../db/server-db.js';

/** A product as the server answers it: the station's product view (README "--json"), the same keys. */
export interface ServerProductView extends Omit<ProductRow, 'id_template'> {
  /** null: the default template. */
  id_template: string | null;
  key_versions: number[];
  appids: string[];
}

export interface IntentRow extends ProductNames {
  id: number;
  state: 'sending' | 'done' | 'failed' | 'unknown' | 'abandoned';
  product_id: number | null;
  updated_at: string;
}

const VIEW = `
  SELECT p.product_id, p.english_name, p.chinese_name, p.default_name, p.model_name, p.created_at, p.created_by, p.origin, p.id_template,
    (SELECT COALESCE(jsonb_agg(k.key_version ORDER BY k.key_version), '[]'::jsonb) FROM product_keys k WHERE k.product_id = p.product_id AND k.state = 'active') AS key_versions,
    (SELECT COALESCE(jsonb_agg(a.appid ORDER BY a.bound_at, a.appid), '[]'::jsonb) FROM product_apps a WHERE a.product_id = p.product_id) AS appids
  FROM products p`;

/** The server's products, bound mini programs and createproduct journal, in SQL both stores run. Every function takes the connection or transaction to use. */
export const productStore = {
  async list(q: Queryable): Promise<ServerProductView[]> {
    return (await q.query<ServerProductView>(`${VIEW} ORDER BY p.created_at, p.product_id`)).rows;
  },

  async get(q: Queryable, productId: number): Promise<ServerProductView | undefined> {
    return (await q.query<ServerProductView>(`${VIEW} WHERE p.product_id = $1`, [productId])).rows[0];
  },

  /** Fills in what a stub row lacks (a product first known by id only) without erasing anything known. */
  async upsertRecorded(q: Queryable, productId: number, fields: Partial<ProductNames>, at: string, by: string, origin: 'created' | 'recorded' = 'recorded'): Promise<void> {
    await q.query(
      `INSERT INTO products (product_id, english_name, chinese_name, default_name, model_name, origin, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8)
       ON CONFLICT (product_id) DO UPDATE SET
         english_name = COALESCE(EXCLUDED.english_name, products.english_name),
         chinese_name = COALESCE(EXCLUDED.chinese_name, products.chinese_name),
         default_name = COALESCE(EXCLUDED.default_name, products.default_name),
         model_name   = COALESCE(EXCLUDED.model_name, products.model_name),
         origin       = CASE WHEN EXCLUDED.origin = 'created' THEN 'created' ELSE products.origin END`,
      [productId, fields.english_name ?? null, fields.chinese_name ?? null, fields.default_name ?? null, fields.model_name ?? null, origin, at, by],
    );
  },

  async setTemplate(q: Queryable, productId: number, template: string): Promise<void> {
    await q.query('UPDATE products SET id_template = $2 WHERE product_id = $1', [productId, template]);
  },

  async addApp(q: Queryable, productId: number, appid: string, at: string, by: string): Promise<void> {
    await q.query('INSERT INTO product_apps (product_id, appid, bound_at, bound_by) VALUES ($1, $2, $3::timestamptz, $4) ON CONFLICT DO NOTHING', [productId, appid, at, by]);
  },

  async latestIntent(q: Queryable, n: ProductNames): Promise<IntentRow | undefined> {
    return (
      await q.query<IntentRow>(
        `SELECT id, english_name, chinese_name, default_name, model_name, state, product_id, updated_at FROM product_intents
         WHERE english_name = $1 AND chinese_name = $2 AND default_name = $3 AND model_name = $4 AND state IN ('sending', 'unknown', 'done')
         ORDER BY id DESC LIMIT 1`,
        [n.english_name, n.chinese_name, n.default_name, n.model_name],
      )
    ).rows[0];
  },

  async openIntent(q: Queryable, n: ProductNames, at: string, by: string): Promise<number> {
    const r = await q.query<{ id: number }>(
      `INSERT INTO product_intents (english_name, chinese_name, default_name, model_name, state, created_at, updated_at, created_by)
       VALUES ($1, $2, $3, $4, 'sending', $5::timestamptz, $5::timestamptz, $6) RETURNING id`,
      [n.english_name, n.chinese_name, n.default_name, n.model_name, at, by],
    );
    return r.rows[0].id;
  },

  async setIntent(q: Queryable, id: number, state: IntentRow['state'], at: string, fields: { product_id?: number; last_error?: string } = {}): Promise<void> {
    await q.query(
      'UPDATE product_intents SET state = $2, updated_at = $3::timestamptz, product_id = COALESCE($4, product_id), last_error = COALESCE($5, last_error) WHERE id = $1',
      [id, state, at, fields.product_id ?? null, fields.last_error ?? null],
    );
  },
};
