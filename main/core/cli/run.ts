import { parseArgs } from 'node:util';
import type { CoreContext } from '../context.js';
import { WxError, formatErrorLine, toPayload } from '../errors/wx-error.js';
import type { CliIo, Command, CommandEntry } from './command.js';
import { COMMANDS } from './commands/index.js';
import { exitCodeFor } from './exit-code.js';
import { helpText, leadingWords, pick, under, unknownCommand } from './help.js';
import { printJson } from './output.js';
import { VERSION } from './version.js';

export interface RunOptions {
  stdout?: NodeJS.WritableStream & import('node:stream').Writable;
  stderr?: NodeJS.WritableStream & import('node:stream').Writable;
  env?: NodeJS.ProcessEnv;
  interrupted?: Promise<void>;
  commands?: readonly (Command | CommandEntry)[];
}

const asEntry = (c: Command | CommandEntry): CommandEntry => ('load' in c ? c : { path: c.path, load: async () => c });

/**
 * Runs one CLI invocation and returns its exit code: 0 success, 1 a failure, 2 bad input
 * (exit-code.ts). Errors become one line on stderr (code, platform errcode, what to do) and,
 * with --json, an {"error": ...} document on stdout, never a stack trace.
 */
export async function runCli(argv: string[], o: RunOptions = {}): Promise<number> {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  const env = o.env ?? process.env;
  const entries = (o.commands ?? COMMANDS).map(asEntry);
  const wantsJson = argv.includes('--json');
  let ctx: CoreContext | undefined;
  // Imported with the command, not before: `--version` and help never load SQLite.
  let open: typeof import('../context.js').createContext | undefined;
  const io: CliIo = {
    stdout,
    stderr,
    env,
    context: () => (ctx ??= open!({ env })),
    interrupted: o.interrupted ?? new Promise(() => {}),
  };
  try {
    if (argv[0] === '--version' || argv[0] === '-V') {
      if (wantsJson) printJson(stdout, { version: VERSION, node: process.version });
      else stdout.write(`wxprov ${VERSION}\n`);
      return 0;
    }
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      stdout.write(await helpText(entries, argv[0] === 'help' ? leadingWords(argv.slice(1)) : []));
      return 0;
    }
    const entry = pick(entries, argv);
    if (argv.includes('--help')) {
      stdout.write(await helpText(entries, entry?.path ?? leadingWords(argv)));
      return 0;
    }
    if (!entry) {
      const words = leadingWords(argv);
      throw unknownCommand(entries, words.length > 0 ? words : argv.slice(0, 1));
    }
    const cmd = await entry.load();
    // A word after a command that is also a group (`wxprov server enrol`) is a mistyped subcommand, not an argument.
    const next = argv[cmd.path.length];
    if (next !== undefined && !next.startsWith('-') && !cmd.positionals && under(entries, cmd.path).length > 0) throw unknownCommand(entries, leadingWords(argv));
    let parsed;
    try {
      parsed = parseArgs({ args: argv.slice(cmd.path.length), options: cmd.options, allowPositionals: cmd.positionals ?? false, strict: true });
    } catch (e) {
      throw new WxError('INPUT_INVALID', { field: 'arguments', detail: (e as Error).message, allowed: cmd.usage });
    }
    open = (await import('../context.js')).createContext;
    const code = await cmd.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals, io);
    return code ?? 0;
  } catch (e) {
    const p = toPayload(e);
    if (p.code === 'INTERNAL') ctx?.log.error('cli.internal', { argv0: argv[0], error: e instanceof Error ? e.stack : String(e) });
    if (wantsJson) printJson(stdout, { error: p });
    stderr.write(formatErrorLine(p) + '\n');
    return exitCodeFor(p.code);
  } finally {
    ctx?.close();
  }
}
