import { ProductService, type ProductView } from '../../products/product-service.js';
import { Registry } from '../../registry/registry.js';
import { optStr } from '../args.js';
import { productId, str } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson, printTable } from '../output.js';

const CREATE_USAGE = 'wxprov product create --en <s> --zh <s> --default-name <s> --model <model_name> [--force] [--json]';
const ADD_USAGE = 'wxprov product add --product <id> --model <model_name> [--en <s>] [--zh <s>] [--default-name <s>] [--json]';

const summary = (p: ProductView) =>
  `product_id ${p.product_id}: ${p.chinese_name ?? '-'} / ${p.english_name ?? '-'}, model ${p.model_name ?? '-'}, keys [${p.key_versions.join(', ')}], mini programs [${p.appids.join(', ')}]`;

export const productCreateCommand: Command = {
  path: ['product', 'create'],
  usage: CREATE_USAGE,
  summary: 'Create a product on the platform (once per intent: an unanswered call needs --force)',
  options: { ...JSON_OPT, en: { type: 'string' }, zh: { type: 'string' }, 'default-name': { type: 'string' }, model: { type: 'string' }, force: { type: 'boolean' } },
  async run(v, _p, io) {
    const svc = new ProductService(io.context());
    const p = await svc.create({
      english_name: str(v, 'en', CREATE_USAGE),
      chinese_name: str(v, 'zh', CREATE_USAGE),
      default_name: str(v, 'default-name', CREATE_USAGE),
      model_name: str(v, 'model', CREATE_USAGE),
      force: v.force === true,
    });
    if (v.json) printJson(io.stdout, p);
    else io.stdout.write(`${p.existing ? 'already created (nothing sent): ' : 'created '}${summary(p)}\n`);
  },
};

export const productAddCommand: Command = {
  path: ['product', 'add'],
  usage: ADD_USAGE,
  summary: 'Record a product that already exists on the platform (no API call)',
  options: { ...JSON_OPT, product: { type: 'string' }, en: { type: 'string' }, zh: { type: 'string' }, 'default-name': { type: 'string' }, model: { type: 'string' } },
  async run(v, _p, io) {
    const svc = new ProductService(io.context());
    const row = svc.ensureRecorded(productId(v, ADD_USAGE), {
      model_name: str(v, 'model', ADD_USAGE),
      english_name: v.en as string | undefined,
      chinese_name: v.zh as string | undefined,
      default_name: v['default-name'] as string | undefined,
    });
    const p = svc.view(row);
    if (v.json) printJson(io.stdout, p);
    else io.stdout.write(`recorded ${summary(p)}\n`);
  },
};

export const productListCommand: Command = {
  path: ['product', 'list'],
  usage: 'wxprov product list [--json]',
  summary: 'The products this station knows, with key versions and bound mini programs',
  options: { ...JSON_OPT },
  async run(v, _p, io) {
    const list = new ProductService(io.context()).list();
    if (v.json) return void printJson(io.stdout, { products: list });
    if (list.length === 0) return void io.stdout.write('no products yet: wxprov product create ...\n');
    printTable(
      io.stdout,
      ['product_id', 'zh', 'en', 'model', 'keys', 'mini programs', 'created'],
      list.map((p) => [p.product_id, p.chinese_name, p.english_name, p.model_name, p.key_versions.join(',') || '-', p.appids.join(',') || '-', p.created_at.slice(0, 19)]),
    );
  },
};

export const bindCommand: Command = {
  path: ['bind'],
  usage: 'wxprov bind --product <id> --appid <wx...> [--json]',
  summary: 'Bind a mini program (same subject) to the product',
  options: { ...JSON_OPT, product: { type: 'string' }, appid: { type: 'string' } },
  async run(v, _p, io) {
    const usage = this.usage;
    const r = await new ProductService(io.context()).bind(productId(v, usage), str(v, 'appid', usage));
    if (v.json) printJson(io.stdout, { ok: true, ...r });
    else io.stdout.write(`bound ${r.appid} to product ${r.product_id}\n`);
  },
};

const SET_USAGE = 'wxprov product set --product <id> [--model <model_name>] [--id-template <template>] [--json]';

export const productSetCommand: Command = {
  path: ['product', 'set'],
  usage: SET_USAGE,
  summary: 'Change a product\'s model name or device id template (e.g. FR{station}{date:YYMMDD}{seq:6})',
  options: { ...JSON_OPT, product: { type: 'string' }, model: { type: 'string' }, 'id-template': { type: 'string' } },
  async run(v, _p, io) {
    const ctx = io.context();
    const pid = productId(v, SET_USAGE);
    const svc = new ProductService(ctx);
    svc.require(pid);
    const model = optStr(v, 'model');
    const template = optStr(v, 'id-template');
    ctx.db.transaction(() => {
      if (model !== undefined) svc.ensureRecorded(pid, { model_name: str(v, 'model', SET_USAGE) });
      if (template !== undefined) new Registry(ctx).setTemplate(pid, template);
    })();
    const row = svc.require(pid);
    const doc = { ...svc.view(row), id_template: row.id_template ?? null };
    if (v.json) printJson(io.stdout, doc);
    else io.stdout.write(`${summary(doc)}, id template ${doc.id_template ?? '(default {station}{date:YYMMDD}{seq:6})'}\n`);
  },
};
