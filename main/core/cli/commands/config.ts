import { Settings, SETTING_KEYS } from '../../registry/settings.js';
import { JSON_OPT, type CliIo, type Command } from '../command.js';
import { printJson, printTable } from '../output.js';
import { WxError } from '../../errors/wx-error.js';
import { MES_TOKEN_NAME, mesTokenSource, storeMesToken } from '../../mes/token.js';
import { readFileSync } from 'node:fs';

export const configCommand: Command = {
  path: ['config'],
  usage: 'wxprov config [get <key> | set <key> <value>] [--json]',
  summary: `Station settings (${SETTING_KEYS.join(', ')}, ${MES_TOKEN_NAME}: sealed in the key store, "-" reads it from stdin, "" removes it), the data dir (home), and whether the station code is confirmed for this computer; get prints one value`,
  options: { ...JSON_OPT },
  positionals: true,
  async run(v, args, io) {
    const [verb, ...rest] = args;
    const get = verb === 'get' && rest.length === 1;
    if (args.length > 0 && !get && !(verb === 'set' && rest.length === 2)) throw new WxError('INPUT_INVALID', { field: 'arguments', detail: args.join(' '), allowed: this.usage });
    const ctx = io.context();
    const settings = new Settings(ctx.db);
    if (verb === 'set' && rest[0] === MES_TOKEN_NAME) {
      // A secret: sealed in the key store, never a setting; "-" keeps it off the command line (and the shell's history).
      storeMesToken(ctx, rest[1] === '-' ? readFileSync(0, 'utf8').trim() : rest[1]);
    } else if (verb === 'set') settings.set(rest[0], rest[1], ctx.now().toISOString(), ctx.actor);
    // Shown so two data dirs cannot hide: the path is what every process on this computer must agree on.
    // The MES token only by where it comes from: its value never leaves the key store.
    const doc = { ...settings.all(), [MES_TOKEN_NAME]: mesTokenSource(ctx), home: ctx.env.home, station_confirmed: settings.stationBinding(ctx.machine) === 'confirmed' };
    if (get) return void printValue(io, doc, rest[0], v.json === true);
    if (v.json) return void printJson(io.stdout, doc);
    printTable(io.stdout, ['setting', 'value'], Object.entries(doc).map(([k, val]) => [k, typeof val === 'boolean' ? (val ? 'yes' : 'no') : val]));
  },
};

/** `config get <key>`: the bare value (nothing when unset), so a script can use `$(wxprov config get home)`. */
function printValue(io: CliIo, doc: Record<string, string | boolean | undefined>, key: string, json: boolean): void {
  if (!Object.hasOwn(doc, key)) throw new WxError('INPUT_INVALID', { field: '<key>', detail: key, allowed: Object.keys(doc).join(', ') });
  const value = doc[key] ?? null;
  if (json) printJson(io.stdout, { key, value });
  else if (value !== null) io.stdout.write(`${value}\n`);
}
