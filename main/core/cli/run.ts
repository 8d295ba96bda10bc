import { parseArgs } from 'node:util';
import { createContext, type CoreContext } from '../context.js';
import { WxError, formatErrorLine, toPayload } from '../errors/wx-error.js';
import type { CliIo, Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { printJson } from './output.js';

export interface RunOptions {
  stdout?: NodeJS.WritableStream & import('node:stream').Writable;
  stderr?: NodeJS.WritableStream & import('node:stream').Writable;
  env?: NodeJS.ProcessEnv;
  interrupted?: Promise<void>;
  commands?: readonly Command[];
}

function helpText(commands: readonly Command[]): string {
  const lines = commands.map((c) => `  ${c.usage}\n      ${c.summary}`);
  return [
    'wxprov — WMPF provisioning station',
    '',
    'Commands:',
    ...lines,
    '',
    'Environment: WXPROV_API_BASE, WXPROV_HOME, WXPROV_APPID, WXPROV_APPSECRET, WXPROV_KEY_PASSPHRASE, WXPROV_TOKEN_MODE (stable|token)',
    '',
  ].join('\n');
}

/** Longest command path that the arguments start with. */
function pick(commands: readonly Command[], argv: string[]): Command | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best;
}

/**
 * Runs one CLI invocation and returns its exit code: 0 success, 1 a failure, 2 bad usage.
 * Errors become one line on stderr (code, platform errcode, what to do) and, with --json, an
 * {"error": ...} document on stdout, never a stack trace.
 */
export async function runCli(argv: string[], o: RunOptions = {}): Promise<number> {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  const env = o.env ?? process.env;
  const commands = o.commands ?? COMMANDS;
  const wantsJson = argv.includes('--json');
  let ctx: CoreContext | undefined;
  const io: CliIo = {
    stdout,
    stderr,
    env,
    context: () => (ctx ??= createContext({ env })),
    interrupted: o.interrupted ?? new Promise(() => {}),
  };
  try {
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      stdout.write(helpText(commands));
      return 0;
    }
    const cmd = pick(commands, argv);
    if (!cmd) throw new WxError('INPUT_UNKNOWN_COMMAND', { command: argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ') });
    if (argv.includes('--help')) {
      stdout.write(`${cmd.usage}\n  ${cmd.summary}\n`);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: argv.slice(cmd.path.length), options: cmd.options, allowPositionals: cmd.positionals ?? false, strict: true });
    } catch (e) {
      throw new WxError('INPUT_INVALID', { field: 'arguments', detail: (e as Error).message, allowed: cmd.usage });
    }
    const code = await cmd.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals, io);
    return code ?? 0;
  } catch (e) {
    const p = toPayload(e);
    if (p.code === 'INTERNAL') ctx?.log.error('cli.internal', { argv0: argv[0], error: e instanceof Error ? e.stack : String(e) });
    if (wantsJson) printJson(stdout, { error: p });
    stderr.write(formatErrorLine(p) + '\n');
    return p.code.startsWith('INPUT_') ? 2 : 1;
  } finally {
    ctx?.close();
  }
}
