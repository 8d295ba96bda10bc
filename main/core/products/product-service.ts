import type { CoreContext } from '../context.js';
import { WxError, isWxError } from '../errors/wx-error.js';
import { KeyStore, type KeyInfo } from '../keys/key-store.js';
import { MINI_APPID_RE } from '../ids/validate.js';
import { checkNames } from './product-names.js';
import { ProductStore, type ProductNames, type ProductRow } from './product-store.js';

export interface CreateProductInput extends ProductNames {
  force?: boolean;
}

export interface ProductView extends ProductRow {
  key_versions: number[];
  appids: string[];
}

export interface CreateProductResult extends ProductView {
  /** True when this exact intent had already succeeded: nothing was sent this time. */
  existing: boolean;
}

export class ProductService {
  private readonly products: ProductStore;
  private readonly keys: KeyStore;

  constructor(private readonly ctx: CoreContext) {
    this.products = new ProductStore(ctx.db);
    this.keys = new KeyStore(ctx.db);
  }

  view(row: ProductRow, keys: KeyInfo[] = this.keys.list(row.product_id)): ProductView {
    return {
      ...row,
      key_versions: keys.filter((k) => k.state === 'active').map((k) => k.key_version as number),
      appids: this.products.apps(row.product_id),
    };
  }

  list(): ProductView[] {
    return this.products.list().map((p) => this.view(p));
  }

  require(productId: number): ProductRow {
    const p = this.products.get(productId);
    if (!p) throw new WxError('PRODUCT_NOT_FOUND', { product_id: productId });
    return p;
  }

  /** A product made elsewhere (Tencent's tool, another station): known by id, maybe more. */
  ensureRecorded(productId: number, fields: Partial<ProductNames> = {}): ProductRow {
    this.products.upsertRecorded({
      product_id: productId,
      english_name: fields.english_name ?? null,
      chinese_name: fields.chinese_name ?? null,
      default_name: fields.default_name ?? null,
      model_name: fields.model_name ?? null,
      created_at: this.ctx.now().toISOString(),
      created_by: this.ctx.actor,
      origin: 'recorded',
    });
    return this.products.get(productId)!;
  }

  /**
   * createproduct is rate-limited and must happen once per intent. The intent is journaled
   * before the call; an unanswered call leaves it `unknown`, and then only --force sends
   * again. A finished intent with the same names answers from the journal.
   */
  async create(input: CreateProductInput): Promise<CreateProductResult> {
    const names = checkNames(input);
    const client = this.ctx.wechat();
    const prior = this.products.latestIntent(names);
    if (prior && !input.force) {
      if (prior.state === 'done' && prior.product_id !== null) {
        const row = this.products.get(prior.product_id);
        if (row) return { ...this.view(row), existing: true };
      }
      if (prior.state === 'sending' || prior.state === 'unknown') {
        throw new WxError('PRODUCT_CREATE_PENDING', { when: prior.updated_at });
      }
    }
    if (prior && input.force && (prior.state === 'sending' || prior.state === 'unknown')) {
      this.products.setIntent(prior.id, 'abandoned', this.ctx.now().toISOString());
    }
    const intent = this.products.openIntent(names, this.ctx.now().toISOString(), this.ctx.actor);
    this.ctx.log.info('product.create.intent', { intent, ...names });
    let productId: number;
    try {
      productId = (
        await client.createProduct({
          english_product_name: names.english_name,
          chinese_product_name: names.chinese_name,
          device_default_name: names.default_name,
        })
      ).product_id;
    } catch (e) {
      const unknown = isWxError(e) && e.code === 'PRODUCT_CREATE_OUTCOME_UNKNOWN';
      this.products.setIntent(intent, unknown ? 'unknown' : 'failed', this.ctx.now().toISOString(), {
        last_error: isWxError(e) ? e.code : 'INTERNAL',
      });
      this.ctx.log.warn('product.create.failed', { intent, code: isWxError(e) ? e.code : 'INTERNAL' });
      throw e;
    }
    const at = this.ctx.now().toISOString();
    this.ctx.db.transaction(() => {
      this.products.upsertRecorded({ product_id: productId, ...names, created_at: at, created_by: this.ctx.actor, origin: 'created' });
      this.ctx.db.prepare("UPDATE products SET origin = 'created' WHERE product_id = ?").run(productId);
      this.products.setIntent(intent, 'done', at, { product_id: productId });
    })();
    this.ctx.log.info('product.create.done', { intent, product_id: productId });
    return { ...this.view(this.products.get(productId)!), existing: false };
  }

  async bind(productId: number, appid: string): Promise<{ product_id: number; appid: string }> {
    const id = appid.trim();
    if (!MINI_APPID_RE.test(id)) throw new WxError('INPUT_BAD_APPID', { appid: id });
    await this.ctx.wechat().bindWxaApp(productId, id);
    const at = this.ctx.now().toISOString();
    this.ctx.db.transaction(() => {
      this.ensureRecorded(productId);
      this.products.addApp(productId, id, at, this.ctx.actor);
    })();
    this.ctx.log.info('product.bind', { product_id: productId, appid: id });
    return { product_id: productId, appid: id };
  }
}
