import { WxError } from '../../errors/wx-error.js';
import { fingerprintForms } from '../../fleet/fingerprint.js';
import type { KeyResult } from '../../keys/key-service.js';
import { adminCall } from '../../server/admin/admin-client.js';
import { readServerJson, serverHome } from '../../server/home.js';
import type { ServerKeyInfo } from '../../server/keys/key-service.js';
import type { ServerProductView } from '../../server/products/product-store.js';
import type { Enrolment, StationView } from '../../server/stations/station-service.js';
import { optStr, productId, str } from '../args.js';
import { TOKEN_OPTS, tokenChoice } from '../token-options.js';
import { JSON_OPT, type CliIo, type Command, type Options, type Values } from '../command.js';
import { printJson, printTable } from '../output.js';
import { operatorName } from './server.js';

/**
 * The admin commands: each one request to the server running from --home (its server.json
 * and certificate), pinned and authenticated as server/admin/admin-client.ts says. The flags
 * of the product, key and bind commands are the station's (commands/product.ts, key.ts); the
 * rules behind them run on the server, which also makes the platform calls.
 */
export const HOME = ' --home <dir>';
export const HOME_OPT: Options = { ...JSON_OPT, home: { type: 'string' } };

/** One admin request to the server running from --home, as the person at this computer (server-fleet.ts's commands too). */
export const call = <T>(v: Values, io: CliIo, usage: string, method: 'GET' | 'POST', route: string, body?: unknown, o: { timeoutMs?: number } = {}) =>
  adminCall<T>(serverHome(str(v, 'home', usage)), method, route, body, { actor: operatorName(io.env), ...o });

/** `90s`, `30m`, `24h`, `7d` or a number of seconds. */
export function parseDuration(text: string, field: string): number {
  const m = /^(\d{1,7})\s*([smhd]?)$/i.exec(text.trim());
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[(m?.[2] ?? '').toLowerCase() as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = m ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > 30 * 86400) throw new WxError('INPUT_INVALID', { field, detail: text, allowed: 'a duration from 1s to 30d, e.g. 90s, 30m, 24h, 7d' });
  return seconds;
}

const ENROLL_USAGE = `wxprov server enroll --station <code>${HOME} [--ttl <duration>] [--json]`;
export const serverEnrollCommand: Command = {
  path: ['server', 'enroll'],
  usage: ENROLL_USAGE,
  summary: 'Enroll a station code (unique in the fleet) and print its one-time enrolment code (default valid 24h)',
  options: { ...HOME_OPT, station: { type: 'string' }, ttl: { type: 'string' } },
  async run(v, _p, io) {
    const ttl = optStr(v, 'ttl');
    const e = await call<Enrolment>(v, io, ENROLL_USAGE, 'POST', '/admin/enroll', { station: str(v, 'station', ENROLL_USAGE), ...(ttl ? { ttl_seconds: parseDuration(ttl, '--ttl') } : {}) });
    if (v.json) return void printJson(io.stdout, { station: e.station, code: e.code, expires_at: e.expires_at });
    const sj = readServerJson(serverHome(str(v, 'home', ENROLL_USAGE)));
    io.stdout.write(
      [
        `station ${e.station} enrolled; enrolment code (once, until ${e.expires_at}):`,
        `  ${e.code}`,
        'On the station / 在工位上:',
        `  wxprov fleet join --server ${sj.url} --fingerprint ${fingerprintForms(sj.fingerprint).hex} --code ${e.code}`,
        '',
      ].join('\n'),
    );
  },
};

const REVOKE_USAGE = `wxprov server revoke --station <code>${HOME} [--json]`;
export const serverRevokeCommand: Command = {
  path: ['server', 'revoke'],
  usage: REVOKE_USAGE,
  summary: "Revoke a station: its credential and any unused enrolment code stop working (its code can then be enrolled again)",
  options: { ...HOME_OPT, station: { type: 'string' } },
  async run(v, _p, io) {
    const r = await call<StationView & { already_revoked: boolean }>(v, io, REVOKE_USAGE, 'POST', '/admin/revoke', { station: str(v, 'station', REVOKE_USAGE) });
    if (v.json) printJson(io.stdout, r);
    else io.stdout.write(`station ${r.station} ${r.already_revoked ? 'was already revoked' : 'revoked'} (${r.revoked_at})\n`);
  },
};

const STATIONS_USAGE = `wxprov server stations${HOME} [--json]`;
export const serverStationsCommand: Command = {
  path: ['server', 'stations'],
  usage: STATIONS_USAGE,
  summary: 'The stations of the fleet: state, enrolment expiry, joined, revoked, last contact',
  options: HOME_OPT,
  async run(v, _p, io) {
    const { stations } = await call<{ stations: StationView[] }>(v, io, STATIONS_USAGE, 'GET', '/admin/stations');
    if (v.json) return void printJson(io.stdout, { stations });
    if (stations.length === 0) return void io.stdout.write('no stations yet: wxprov server enroll --station <code> --home <dir>\n');
    printTable(
      io.stdout,
      ['station', 'state', 'code expires', 'joined', 'revoked', 'last contact'],
      stations.map((s) => [s.station, s.state, s.enrol_expires_at, s.joined_at, s.revoked_at, s.last_contact]),
    );
  },
};

const summary = (p: ServerProductView) =>
  `product_id ${p.product_id}: ${p.chinese_name ?? '-'} / ${p.english_name ?? '-'}, model ${p.model_name ?? '-'}, keys [${p.key_versions.join(', ')}], mini programs [${p.appids.join(', ')}], id template ${p.id_template ?? '(default)'}`;

const printProduct = (v: Values, io: CliIo, p: ServerProductView, lead: string) => (v.json ? printJson(io.stdout, p) : io.stdout.write(`${lead}${summary(p)}\n`));

const CREATE_USAGE = `wxprov server product create --en <s> --zh <s> --default-name <s> --model <model_name>${HOME} [--force] [--json]`;
export const serverProductCreateCommand: Command = {
  path: ['server', 'product', 'create'],
  usage: CREATE_USAGE,
  summary: 'Create a product on the platform from the server (once per intent: an unanswered call needs --force)',
  options: { ...HOME_OPT, en: { type: 'string' }, zh: { type: 'string' }, 'default-name': { type: 'string' }, model: { type: 'string' }, force: { type: 'boolean' } },
  async run(v, _p, io) {
    const body = {
      english_name: str(v, 'en', CREATE_USAGE),
      chinese_name: str(v, 'zh', CREATE_USAGE),
      default_name: str(v, 'default-name', CREATE_USAGE),
      model_name: str(v, 'model', CREATE_USAGE),
      force: v.force === true,
    };
    const p = await call<ServerProductView & { existing: boolean }>(v, io, CREATE_USAGE, 'POST', '/admin/products/create', body);
    printProduct(v, io, p, p.existing ? 'already created (nothing sent): ' : 'created ');
  },
};

const ADD_USAGE = `wxprov server product add --product <id> --model <model_name>${HOME} [--en <s>] [--zh <s>] [--default-name <s>] [--json]`;
export const serverProductAddCommand: Command = {
  path: ['server', 'product', 'add'],
  usage: ADD_USAGE,
  summary: 'Record on the server a product that already exists on the platform (no API call)',
  options: { ...HOME_OPT, product: { type: 'string' }, en: { type: 'string' }, zh: { type: 'string' }, 'default-name': { type: 'string' }, model: { type: 'string' } },
  async run(v, _p, io) {
    const body = { product_id: productId(v, ADD_USAGE), model_name: str(v, 'model', ADD_USAGE), english_name: optStr(v, 'en'), chinese_name: optStr(v, 'zh'), default_name: optStr(v, 'default-name') };
    printProduct(v, io, await call<ServerProductView>(v, io, ADD_USAGE, 'POST', '/admin/products/add', body), 'recorded ');
  },
};

const SET_USAGE = `wxprov server product set --product <id>${HOME} [--model <model_name>] [--id-template <template>] [--json]`;
export const serverProductSetCommand: Command = {
  path: ['server', 'product', 'set'],
  usage: SET_USAGE,
  summary: "Change a product's model name or device id template on the server (stations get it in their downlink)",
  options: { ...HOME_OPT, product: { type: 'string' }, model: { type: 'string' }, 'id-template': { type: 'string' } },
  async run(v, _p, io) {
    const body = { product_id: productId(v, SET_USAGE), model_name: optStr(v, 'model'), id_template: optStr(v, 'id-template') };
    printProduct(v, io, await call<ServerProductView>(v, io, SET_USAGE, 'POST', '/admin/products/set', body), '');
  },
};

const LIST_USAGE = `wxprov server product list${HOME} [--json]`;
export const serverProductListCommand: Command = {
  path: ['server', 'product', 'list'],
  usage: LIST_USAGE,
  summary: 'The products the server knows, with key versions, bound mini programs and id templates',
  options: HOME_OPT,
  async run(v, _p, io) {
    const { products } = await call<{ products: ServerProductView[] }>(v, io, LIST_USAGE, 'GET', '/admin/products');
    if (v.json) return void printJson(io.stdout, { products });
    if (products.length === 0) return void io.stdout.write('no products yet: wxprov server product create ... --home <dir>\n');
    for (const p of products) io.stdout.write(`${summary(p)}\n`);
  },
};

const KEY_USAGE = `wxprov server key create --product <id> [--pkcs11-module <path.so> (--token-label <label> | --token-serial <serial>)]${HOME} [--json]`;
export const serverKeyCreateCommand: Command = {
  path: ['server', 'key', 'create'],
  usage: KEY_USAGE,
  summary: 'Generate a P-256 key on the server (sealed there, or inside a hardware token the server holds), register its public key; it never leaves the server',
  options: { ...HOME_OPT, ...TOKEN_OPTS, product: { type: 'string' } },
  async run(v, _p, io) {
    // The token is the server's: its path and PIN (WXPROV_PKCS11_PIN) are the server process's own.
    const token = tokenChoice(v, KEY_USAGE);
    const body = { product_id: productId(v, KEY_USAGE), ...(token ? { pkcs11_module: token.module, token_label: token.token_label, token_serial: token.token_serial } : {}) };
    const r = await call<KeyResult>(v, io, KEY_USAGE, 'POST', '/admin/keys/create', body);
    if (v.json) printJson(io.stdout, r);
    else io.stdout.write(`product ${r.product_id}: key_version ${r.key_version} registered (the private key stays ${token ? 'in the token' : 'on the server'})\n${r.public_key_pem}`);
  },
};

const KEYS_USAGE = `wxprov server key list${HOME} [--product <id>] [--json]`;
export const serverKeyListCommand: Command = {
  path: ['server', 'key', 'list'],
  usage: KEYS_USAGE,
  summary: 'Key versions per product on the server (public facts only)',
  options: { ...HOME_OPT, product: { type: 'string' } },
  async run(v, _p, io) {
    const q = v.product === undefined ? '' : `?product_id=${productId(v, KEYS_USAGE)}`;
    const { keys } = await call<{ keys: ServerKeyInfo[] }>(v, io, KEYS_USAGE, 'GET', `/admin/keys${q}`);
    if (v.json) return void printJson(io.stdout, { keys });
    printTable(
      io.stdout,
      ['product_id', 'key_version', 'state', 'origin', 'store', 'created', 'by'],
      keys.map((k) => [k.product_id, k.key_version, k.state, k.origin, k.key_store === 'pkcs11' ? `token ${k.pkcs11_token_label ?? k.pkcs11_token_serial}` : 'sealed', k.created_at.slice(0, 19), k.created_by]),
    );
  },
};

const BIND_USAGE = `wxprov server bind --product <id> --appid <wx...>${HOME} [--json]`;
export const serverBindCommand: Command = {
  path: ['server', 'bind'],
  usage: BIND_USAGE,
  summary: 'Bind a mini program (same subject) to the product, from the server',
  options: { ...HOME_OPT, product: { type: 'string' }, appid: { type: 'string' } },
  async run(v, _p, io) {
    const r = await call<{ ok: true; product_id: number; appid: string }>(v, io, BIND_USAGE, 'POST', '/admin/bind', { product_id: productId(v, BIND_USAGE), appid: str(v, 'appid', BIND_USAGE) });
    if (v.json) printJson(io.stdout, r);
    else io.stdout.write(`bound ${r.appid} to product ${r.product_id}\n`);
  },
};
