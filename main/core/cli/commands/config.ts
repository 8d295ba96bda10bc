import { Settings, SETTING_KEYS } from '../../registry/settings.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson, printTable } from '../output.js';
import { WxError } from '../../errors/wx-error.js';

export const configCommand: Command = {
  path: ['config'],
  usage: 'wxprov config [set <key> <value>] [--json]',
  summary: `Station settings (${SETTING_KEYS.join(', ')})`,
  options: { ...JSON_OPT },
  positionals: true,
  async run(v, args, io) {
    const ctx = io.context();
    const settings = new Settings(ctx.db);
    if (args.length > 0) {
      if (args[0] !== 'set' || args.length !== 3) throw new WxError('INPUT_INVALID', { field: 'arguments', detail: args.join(' '), allowed: this.usage });
      settings.set(args[1], args[2], ctx.now().toISOString(), ctx.actor);
    }
    const all = settings.all();
    if (v.json) return void printJson(io.stdout, all);
    printTable(io.stdout, ['setting', 'value'], Object.entries(all).map(([k, val]) => [k, val]));
  },
};
