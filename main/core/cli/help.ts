import { WxError } from '../errors/wx-error.js';
import type { CommandEntry } from './command.js';
import { closest } from './suggest.js';

const same = (a: string[], b: string[]) => a.length === b.length && a.every((w, i) => w === b[i]);
const unique = (words: (string | undefined)[]) => [...new Set(words.filter((w): w is string => w !== undefined))];

/** The words before the first flag: what names the command. */
export function leadingWords(argv: string[]): string[] {
  const i = argv.findIndex((a) => a.startsWith('-'));
  return i < 0 ? argv : argv.slice(0, i);
}

/** Longest command path the arguments start with. */
export function pick(entries: readonly CommandEntry[], argv: string[]): CommandEntry | undefined {
  let best: CommandEntry | undefined;
  for (const e of entries) {
    if (e.path.every((w, i) => argv[i] === w) && (!best || e.path.length > best.path.length)) best = e;
  }
  return best;
}

/** The commands a group's words lead to (`product` → product create, add, list, set). */
export const under = (entries: readonly CommandEntry[], words: string[]): CommandEntry[] =>
  entries.filter((e) => e.path.length > words.length && words.every((w, i) => e.path[i] === w));

async function listing(entries: readonly CommandEntry[]): Promise<string[]> {
  const commands = await Promise.all(entries.map((e) => e.load()));
  return commands.map((c) => `  ${c.usage}\n      ${c.summary}`);
}

const ENV_LINE =
  'Environment: WXPROV_API_BASE, WXPROV_HOME, WXPROV_APPID, WXPROV_APPSECRET, WXPROV_KEY_PASSPHRASE, WXPROV_TOKEN_MODE (stable|token)';

/**
 * Help for the words given: every command (none), one command, or a group's commands
 * (`wxprov product --help`). Words that name nothing are an unknown command.
 */
export async function helpText(entries: readonly CommandEntry[], words: string[]): Promise<string> {
  if (words.length === 0) {
    return ['wxprov — WMPF provisioning station', '', 'Commands:', ...(await listing(entries)), '', ENV_LINE, 'Exit codes: 0 ok, 1 failed, 2 bad input (the command line or a file it names)', ''].join('\n');
  }
  const exact = entries.find((e) => same(e.path, words));
  const group = under(entries, words);
  if (exact) {
    const c = await exact.load();
    // A command that is also a group (`wxprov server`, `wxprov key slots`): itself, then what is under it.
    if (group.length === 0) return `${c.usage}\n  ${c.summary}\n`;
    return [`${c.usage}\n  ${c.summary}`, '', `wxprov ${words.join(' ')} <${subcommands(group, words).join('|')}>`, '', ...(await listing(group)), ''].join('\n');
  }
  if (group.length === 0) throw unknownCommand(entries, words);
  return [`wxprov ${words.join(' ')} <${subcommands(group, words).join('|')}>`, '', ...(await listing(group)), ''].join('\n');
}

const subcommands = (group: CommandEntry[], words: string[]) => unique(group.map((e) => e.path[words.length]));

/** What the user most likely meant by words that name no command, as words (`product list`). */
function suggestion(entries: readonly CommandEntry[], words: string[]): string | undefined {
  const tops = unique(entries.map((e) => e.path[0]));
  const first = tops.includes(words[0]) ? words[0] : closest(words[0], tops);
  if (first === undefined) return undefined;
  const subs = subcommands(under(entries, [first]), [first]);
  if (subs.length === 0) return first === words[0] ? undefined : first;
  if (words[1] === undefined) return first;
  const second = subs.includes(words[1]) ? words[1] : closest(words[1], subs);
  if (second !== undefined) return `${first} ${second}`;
  return first === words[0] ? undefined : first;
}

/**
 * The error for words that name no command: a group named without its command (`wxprov
 * product`) is a missing word; a near miss says what was probably meant.
 */
export function unknownCommand(entries: readonly CommandEntry[], words: string[]): WxError {
  const group = under(entries, words);
  if (words.length > 0 && group.length > 0) {
    const field = `wxprov ${words.join(' ')} <${subcommands(group, words).join('|')}>`;
    return new WxError('INPUT_MISSING', { field, usage: `${field} ... (wxprov ${words.join(' ')} --help)` });
  }
  const command = words.slice(0, 2).join(' ');
  const near = words.length > 0 ? suggestion(entries, words) : undefined;
  return near ? new WxError('INPUT_UNKNOWN_COMMAND_NEAR', { command, suggestion: near }) : new WxError('INPUT_UNKNOWN_COMMAND', { command });
}
