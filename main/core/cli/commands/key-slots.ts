import { WxError } from '../../errors/wx-error.js';
import { MIN_NEW_PASSPHRASE } from '../../keys/vault.js';
import { optStr } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson, printTable } from '../output.js';

/**
 * The key store's slots: each one a way to unlock the one data key that seals every private
 * key and the app's AppSecret. Listing needs nothing; adding or removing a slot needs the
 * store unlocked (WXPROV_KEY_PASSPHRASE). A passphrase never comes from the command line,
 * where other users and the shell history would see it.
 */
export const keySlotsCommand: Command = {
  path: ['key', 'slots'],
  usage: 'wxprov key slots [--json]',
  summary: 'The key store\'s unlock methods (passphrase, the app\'s OS keychain); never any secret',
  options: { ...JSON_OPT },
  async run(v, _p, io) {
    const vault = io.context().vault();
    const slots = vault.slots();
    if (v.json) return void printJson(io.stdout, { set_up: vault.state() !== 'none', slots });
    if (slots.length === 0) {
      io.stdout.write('No key store yet: the first sealed key sets it up with WXPROV_KEY_PASSPHRASE, or set the passphrase in the app.\n');
      return;
    }
    printTable(io.stdout, ['id', 'kind', 'label', 'created', 'by'], slots.map((s) => [s.id, s.kind, s.label, s.created_at.slice(0, 19), s.created_by]));
  },
};

export const keySlotsAddCommand: Command = {
  path: ['key', 'slots', 'add'],
  usage: 'wxprov key slots add --kind passphrase [--label <text>] [--json]   (unlock: WXPROV_KEY_PASSPHRASE; the new one: WXPROV_NEW_KEY_PASSPHRASE)',
  summary: 'Add a passphrase that also opens the key store (the OS keychain slot is added by the desktop app)',
  options: { ...JSON_OPT, kind: { type: 'string' }, label: { type: 'string' } },
  async run(v, _p, io) {
    const kind = optStr(v, 'kind');
    if (kind === undefined) throw new WxError('INPUT_MISSING', { field: '--kind', usage: this.usage });
    if (kind !== 'passphrase') throw new WxError('INPUT_INVALID', { field: '--kind', detail: kind, allowed: 'passphrase (the desktop app adds the OS keychain slot itself)' });
    const label = optStr(v, 'label') ?? '';
    if (label.length > 64) throw new WxError('INPUT_INVALID', { field: '--label', detail: `${label.length} characters`, allowed: 'at most 64 characters' });
    const next = io.env.WXPROV_NEW_KEY_PASSPHRASE;
    if (!next) throw new WxError('CONFIG_MISSING', { name: 'WXPROV_NEW_KEY_PASSPHRASE' });
    if (next.length < MIN_NEW_PASSPHRASE) {
      throw new WxError('CONFIG_INVALID', { name: 'WXPROV_NEW_KEY_PASSPHRASE', detail: `shorter than ${MIN_NEW_PASSPHRASE} characters`, allowed: `${MIN_NEW_PASSPHRASE} characters or more` });
    }
    const slot = io.context().vault().addPassphraseSlot(next, label);
    if (v.json) printJson(io.stdout, { added: slot });
    else io.stdout.write(`key slot ${slot.id} added (passphrase${label ? `, ${label}` : ''})\n`);
  },
};

export const keySlotsRemoveCommand: Command = {
  path: ['key', 'slots', 'remove'],
  usage: 'wxprov key slots remove <id> [--json]   (unlock: WXPROV_KEY_PASSPHRASE)',
  summary: 'Remove a key slot; the last passphrase slot always stays',
  options: { ...JSON_OPT },
  positionals: true,
  async run(v, args, io) {
    if (args.length !== 1 || !/^\d+$/.test(args[0])) throw new WxError('INPUT_INVALID', { field: '<id>', detail: args.join(' ') || 'none', allowed: 'one slot id, as `wxprov key slots` lists it' });
    const id = Number(args[0]);
    const vault = io.context().vault();
    // Never sets a store up on the way: there is nothing to remove from one that does not exist.
    if (vault.state() === 'none') throw new WxError('KEYSTORE_SLOT_NOT_FOUND', { id });
    const slot = vault.removeSlot(id);
    if (v.json) printJson(io.stdout, { removed: slot });
    else io.stdout.write(`key slot ${slot.id} (${slot.kind}) removed\n`);
  },
};
