import { Settings, SETTING_KEYS } from '../../registry/settings.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson, printTable } from '../output.js';
import { WxError } from '../../errors/wx-error.js';

export const configCommand: Command = {
  path: ['config'],
  usage: 'wxprov config [set <key> <value>] [--json]',
  summary: `Station settings (${SETTING_KEYS.join(', ')}), the data dir (home), and whether the station code is confirmed for this computer`,
  options: { ...JSON_OPT },
  positionals: true,
  async run(v, args, io) {
    const ctx = io.context();
    const settings = new Settings(ctx.db);
    if (args.length > 0) {
      if (args[0] !== 'set' || args.length !== 3) throw new WxError('INPUT_INVALID', { field: 'arguments', detail: args.join(' '), allowed: this.usage });
      settings.set(args[1], args[2], ctx.now().toISOString(), ctx.actor);
    }
    // Shown so two data dirs cannot hide: the path is what every process on this computer must agree on.
    const doc = { ...settings.all(), home: ctx.env.home, station_confirmed: settings.stationBinding(ctx.machine) === 'confirmed' };
    if (v.json) return void printJson(io.stdout, doc);
    printTable(io.stdout, ['setting', 'value'], Object.entries(doc).map(([k, val]) => [k, typeof val === 'boolean' ? (val ? 'yes' : 'no') : val]));
  },
};
