import fs from 'node:fs';
import { WxError } from '../../errors/wx-error.js';
import { KeyService, type KeyResult } from '../../keys/key-service.js';
import { TOKEN_OPTS, tokenChoice } from '../token-options.js';
import { optInt, productId, str } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson, printTable } from '../output.js';

const keyLine = (r: KeyResult, done: string) =>
  `product ${r.product_id}: key_version ${r.key_version} ${done}${r.pkcs11 ? ` (in token ${r.pkcs11.token_label ?? r.pkcs11.token_serial}, key id ${r.pkcs11.key_id}; it never leaves the token)` : ''}\n`;

export const keyCreateCommand: Command = {
  path: ['key', 'create'],
  usage: 'wxprov key create --product <id> [--pkcs11-module <path.so> (--token-label <label> | --token-serial <serial>)] [--json]',
  summary: 'Generate a P-256 key pair (sealed here, or inside a hardware token), register the public key',
  options: { ...JSON_OPT, ...TOKEN_OPTS, product: { type: 'string' } },
  async run(v, _p, io) {
    const pid = productId(v, this.usage);
    const token = tokenChoice(v, this.usage);
    const r = await new KeyService(io.context()).create(pid, token);
    if (v.json) printJson(io.stdout, r);
    else io.stdout.write(`${keyLine(r, 'registered')}${r.public_key_pem}`);
  },
};

export const keyImportCommand: Command = {
  path: ['key', 'import'],
  usage:
    'wxprov key import --product <id> --key-version <k> (--private-key <file> | --pkcs11-module <path.so> (--token-label <label> | --token-serial <serial>) --key-label <key label>) [--json]',
  summary: 'Adopt a key already registered as key_version: a PEM private key (then sealed), or a key in a hardware token',
  options: { ...JSON_OPT, ...TOKEN_OPTS, product: { type: 'string' }, 'key-version': { type: 'string' }, 'private-key': { type: 'string' }, 'key-label': { type: 'string' } },
  async run(v, _p, io) {
    const pid = productId(v, this.usage);
    const kv = optInt(v, 'key-version', 1);
    if (kv === undefined) throw new WxError('INPUT_MISSING', { field: '--key-version', usage: this.usage });
    const token = tokenChoice(v, this.usage);
    if (token) {
      if (v['private-key'] !== undefined) throw new WxError('INPUT_INVALID', { field: '--private-key | --pkcs11-module', detail: 'both given', allowed: 'one of them' });
      const r = new KeyService(io.context()).importFromToken(pid, kv, token, str(v, 'key-label', this.usage));
      if (v.json) printJson(io.stdout, r);
      else io.stdout.write(keyLine(r, 'recorded'));
      return;
    }
    const file = str(v, 'private-key', this.usage);
    let pem: string;
    try {
      pem = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new WxError('FILE_UNREADABLE', { path: file, detail: (e as NodeJS.ErrnoException).code ?? '' });
    }
    const r = new KeyService(io.context()).import(pid, kv, pem);
    if (v.json) printJson(io.stdout, r);
    else io.stdout.write(`product ${r.product_id}: key_version ${r.key_version} imported (sealed; the file ${file} can now be destroyed)\n`);
  },
};

export const keyExportCommand: Command = {
  path: ['key', 'export'],
  usage: 'wxprov key export --product <id> [--key-version <k>] --public [--json]',
  summary: 'Print the public key (SPKI PEM); private keys never leave the station',
  options: { ...JSON_OPT, product: { type: 'string' }, 'key-version': { type: 'string' }, public: { type: 'boolean' } },
  async run(v, _p, io) {
    const pid = productId(v, this.usage);
    if (v.public !== true) throw new WxError('KEY_EXPORT_PRIVATE_REFUSED');
    const r = new KeyService(io.context()).exportPublic(pid, optInt(v, 'key-version', 1));
    if (v.json) printJson(io.stdout, r);
    else io.stdout.write(r.public_key_pem);
  },
};

export const keyListCommand: Command = {
  path: ['key', 'list'],
  usage: 'wxprov key list [--product <id>] [--json]',
  summary: 'Key versions per product (public facts only)',
  options: { ...JSON_OPT, product: { type: 'string' } },
  async run(v, _p, io) {
    const keys = new KeyService(io.context()).list(v.product === undefined ? undefined : productId(v, this.usage));
    if (v.json) return void printJson(io.stdout, { keys });
    printTable(
      io.stdout,
      ['product_id', 'key_version', 'state', 'origin', 'store', 'created', 'by'],
      keys.map((k) => [k.product_id, k.key_version, k.state, k.origin, k.key_store === 'pkcs11' ? `token ${k.pkcs11_token_label ?? k.pkcs11_token_serial}` : 'sealed', k.created_at.slice(0, 19), k.created_by]),
    );
  },
};
