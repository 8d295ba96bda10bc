import { WxError, isWxError } from '../../errors/wx-error.js';
import { MINI_APPID_RE } from '../../ids/validate.js';
import type { Logger } from '../../log/logger.js';
import { checkNames } from '../../products/product-names.js';
import type { ProductNames } from '../../products/product-store.js';
import { parseTemplate } from '../../registry/template.js';
import type { WechatClient } from '../../wechat/client.js';
import { audit } from '../audit.js';
import type { ServerDb } from '../db/server-db.js';
import { productStore, type ServerProductView } from './product-store.js';

export interface ServerServiceDeps {
  db: ServerDb;
  now: () => Date;
  log: Logger;
  /** The platform client, built on first use from the server's environment (CONFIG_MISSING without credentials). */
  wechat: () => WechatClient;
}

/**
 * Products on the factory server: the station's rules (names checked by products/product-names,
 * templates by registry/template, mini-program AppIDs by ids/appid) over the server's store,
 * and the same createproduct-once-per-intent journal — with the journal's check-and-write
 * under a table lock, because here two admins (or two servers on one database) can ask at once.
 */
export class ServerProducts {
  constructor(private readonly d: ServerServiceDeps) {}

  list(): Promise<ServerProductView[]> {
    return productStore.list(this.d.db);
  }

  async require(productId: number): Promise<ServerProductView> {
    const p = await productStore.get(this.d.db, productId);
    if (!p) throw new WxError('PRODUCT_NOT_FOUND', { product_id: productId });
    return p;
  }

  /** `product add`: a product made elsewhere (Tencent's tools, a station before the fleet), known by id. */
  async add(productId: number, fields: Partial<ProductNames>, actor: string): Promise<ServerProductView> {
    const at = this.d.now().toISOString();
    await this.d.db.transaction(async (tx) => {
      await productStore.upsertRecorded(tx, productId, fields, at, actor);
      await audit(tx, { at, actor, action: 'product.add', product_id: productId, detail: { ...fields } });
    });
    return this.require(productId);
  }

  /** `product set`: model name and/or id template; a template is checked by the station's own parser before it is stored. */
  async set(productId: number, change: { model_name?: string; id_template?: string }, actor: string): Promise<ServerProductView> {
    await this.require(productId);
    if (change.model_name !== undefined && !change.model_name.trim()) throw new WxError('INPUT_MISSING', { field: '--model', usage: 'wxprov server product set --product <id> [--model <model_name>] [--id-template <template>]' });
    if (change.id_template !== undefined) parseTemplate(change.id_template);
    const at = this.d.now().toISOString();
    await this.d.db.transaction(async (tx) => {
      if (change.model_name !== undefined) await productStore.upsertRecorded(tx, productId, { model_name: change.model_name.trim() }, at, actor);
      if (change.id_template !== undefined) await productStore.setTemplate(tx, productId, change.id_template);
      await audit(tx, { at, actor, action: 'product.set', product_id: productId, detail: { ...change } });
    });
    return this.require(productId);
  }

  /**
   * createproduct is rate-limited and must happen once per intent. The intent is journaled
   * (under a lock, so a second request for the same names waits and then finds it) before
   * the call; an unanswered call leaves it `unknown`, and then only `force` sends again. A
   * finished intent with the same names answers from the journal.
   */
  async create(input: Partial<ProductNames> & { force?: boolean }, actor: string): Promise<ServerProductView & { existing: boolean }> {
    const names = checkNames(input);
    const client = this.d.wechat();
    const opened = await this.d.db.transaction<{ existing: ServerProductView } | { intent: number }>(async (tx) => {
      await tx.query('LOCK TABLE product_intents IN SHARE ROW EXCLUSIVE MODE');
      const at = this.d.now().toISOString();
      const prior = await productStore.latestIntent(tx, names);
      if (prior && !input.force) {
        if (prior.state === 'done' && prior.product_id !== null) {
          const row = await productStore.get(tx, prior.product_id);
          if (row) return { existing: row };
        }
        if (prior.state === 'sending' || prior.state === 'unknown') throw new WxError('PRODUCT_CREATE_PENDING', { when: prior.updated_at });
      }
      if (prior && input.force && (prior.state === 'sending' || prior.state === 'unknown')) await productStore.setIntent(tx, prior.id, 'abandoned', at);
      const intent = await productStore.openIntent(tx, names, at, actor);
      await audit(tx, { at, actor, action: 'product.create.intent', detail: { intent, ...names, force: Boolean(input.force) } });
      return { intent };
    });
    if ('existing' in opened) return { ...opened.existing, existing: true };
    const { intent } = opened;
    this.d.log.info('product.create.intent', { intent, ...names, by: actor });
    let productId: number;
    try {
      productId = (await client.createProduct({ english_product_name: names.english_name, chinese_product_name: names.chinese_name, device_default_name: names.default_name })).product_id;
    } catch (e) {
      const unknown = isWxError(e) && e.code === 'PRODUCT_CREATE_OUTCOME_UNKNOWN';
      await productStore.setIntent(this.d.db, intent, unknown ? 'unknown' : 'failed', this.d.now().toISOString(), { last_error: isWxError(e) ? e.code : 'INTERNAL' });
      this.d.log.warn('product.create.failed', { intent, code: isWxError(e) ? e.code : 'INTERNAL' });
      throw e;
    }
    const at = this.d.now().toISOString();
    await this.d.db.transaction(async (tx) => {
      await productStore.upsertRecorded(tx, productId, names, at, actor, 'created');
      await productStore.setIntent(tx, intent, 'done', at, { product_id: productId });
      await audit(tx, { at, actor, action: 'product.create', product_id: productId, detail: { intent } });
    });
    this.d.log.info('product.create.done', { intent, product_id: productId });
    return { ...(await this.require(productId)), existing: false };
  }

  async bind(productId: number, appid: string, actor: string): Promise<{ product_id: number; appid: string }> {
    const id = appid.trim();
    if (!MINI_APPID_RE.test(id)) throw new WxError('INPUT_BAD_APPID', { appid: id });
    await this.d.wechat().bindWxaApp(productId, id);
    const at = this.d.now().toISOString();
    await this.d.db.transaction(async (tx) => {
      await productStore.upsertRecorded(tx, productId, {}, at, actor);
      await productStore.addApp(tx, productId, id, at, actor);
      await audit(tx, { at, actor, action: 'product.bind', product_id: productId, detail: { appid: id } });
    });
    this.d.log.info('product.bind', { product_id: productId, appid: id });
    return { product_id: productId, appid: id };
  }
}
