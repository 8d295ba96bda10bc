import type { Handlers, Slot } from '../../../../preload/contract.js';
import { WxError, type Words } from '../../errors/wx-error.js';
import { APPID_ALLOWED, parseAppId } from '../../ids/appid.js';
import { KeyService } from '../../keys/key-service.js';
import { ProductService } from '../../products/product-service.js';
import { Registry } from '../../registry/registry.js';
import { Settings } from '../../registry/settings.js';
import { parseTemplate, renderTemplate } from '../../registry/template.js';
import { storeApiBase } from '../api-base-setting.js';
import type { AppCore } from '../app-core.js';
import { rememberPorts } from '../recent-ports.js';
import { checkPortSpec } from '../../serial/open-link.js';

type Names =
  | 'app.setApiBase'
  | 'credentials.set'
  | 'credentials.test'
  | 'products.list'
  | 'products.create'
  | 'products.record'
  | 'products.select'
  | 'products.setTemplate'
  | 'keys.list'
  | 'keys.create'
  | 'keys.import'
  | 'apps.bind'
  | 'station.setCode'
  | 'slots.set';

/** Stands in for values the example id cannot know yet. */
const EXAMPLE = { station: 'A1', hwid: 'A1B2C3D4E5F6', sn: 'SN000001' };

function notWhileRunning(core: AppCore, what: Words): void {
  if (core.line.running) throw new WxError('LINE_RUNNING', { what });
}

function checkSlots(slots: Slot[]): void {
  const names = new Set<string>();
  const specs = new Set<string>();
  slots.forEach((s, i) => {
    if (names.has(s.name)) throw new WxError('INPUT_INVALID', { field: `slots.${i}.name`, detail: `"${s.name}" is used twice`, allowed: 'a different name per slot' });
    if (specs.has(s.spec)) throw new WxError('INPUT_INVALID', { field: `slots.${i}.spec`, detail: `"${s.spec}" is used twice`, allowed: 'a different port per slot' });
    checkPortSpec(s.spec, `slots.${i}.spec`);
    names.add(s.name);
    specs.add(s.spec);
  });
}

/** The setup screens: credentials, products, keys, mini programs, station code, slots. */
export function setupHandlers(core: AppCore): Pick<Handlers, Names> {
  const ctx = () => core.runtime().ctx;
  return {
    'app.setApiBase': async ({ api_base }) => {
      notWhileRunning(core, { zh: '接口地址', en: 'the API address' });
      storeApiBase(core.kv, api_base);
      // Real mode's client is built on it: a new context now (the environment, if set, still decides).
      if (core.mode === 'real') await core.rebuild();
      return core.state();
    },
    'credentials.set': async ({ appid: given, appsecret }) => {
      const appid = parseAppId(given);
      if (!appid) throw new WxError('INPUT_INVALID', { field: 'appid', detail: given, allowed: APPID_ALLOWED });
      core.creds.set(core.vault(), appid, appsecret);
      await core.rebuild();
      core.runtime().ctx.log.info('credentials.set', { appid, storage: 'keystore' });
      return core.state();
    },
    'credentials.test': () => ctx().wechat().checkToken(),

    'products.list': () => new ProductService(ctx()).list().map((p) => ({ ...p, id_template: p.id_template ?? null })),
    'products.create': (input) => new ProductService(ctx()).create(input),
    'products.record': ({ product_id, model_name, english_name, chinese_name }) => {
      const products = new ProductService(ctx());
      const fields = { model_name, ...(english_name ? { english_name } : {}), ...(chinese_name ? { chinese_name } : {}) };
      return products.view(products.ensureRecorded(product_id, fields));
    },
    'products.select': ({ product_id }) => {
      notWhileRunning(core, { zh: '产品', en: 'the product' });
      new ProductService(ctx()).require(product_id);
      core.setProductId(product_id);
      return core.state();
    },
    'products.setTemplate': ({ product_id, id_template }) => {
      const c = ctx();
      const registry = new Registry(c);
      const t = parseTemplate(id_template);
      // Rendered before it is saved: a template that cannot make a valid id is refused.
      const example = renderTemplate(t, { station: registry.settings.get('station_code') ?? EXAMPLE.station, date: c.now(), seq: 1, hwid: EXAMPLE.hwid, sn: EXAMPLE.sn });
      registry.setTemplate(product_id, id_template);
      c.log.info('product.template', { product_id, id_template });
      return { product_id, id_template, example };
    },

    'keys.list': ({ product_id }) => new KeyService(ctx()).list(product_id),
    'keys.create': ({ product_id }) => new KeyService(ctx()).create(product_id),
    'keys.import': ({ product_id, key_version, private_key_pem }) => new KeyService(ctx()).import(product_id, key_version, private_key_pem),
    'apps.bind': ({ product_id, appid }) => new ProductService(ctx()).bind(product_id, appid),

    'station.setCode': ({ station_code }) => {
      notWhileRunning(core, { zh: '工位编号', en: 'the station code' });
      const c = ctx();
      new Settings(c.db).set('station_code', station_code, c.now().toISOString(), c.actor);
      return core.state();
    },
    'slots.set': ({ slots }) => {
      notWhileRunning(core, { zh: '夹具位', en: 'the slots' });
      core.runtime();
      checkSlots(slots);
      core.setSlots(slots);
      // Simulated units' paths die with the simulator: only real ones are worth offering again.
      if (core.runtime().mode === 'real') rememberPorts(core.kv, slots.map((s) => s.spec));
      return core.state();
    },
  };
}
