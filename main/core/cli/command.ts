import type { ParseArgsConfig } from 'node:util';
import type { Writable } from 'node:stream';
import type { CoreContext } from '../context.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command may touch: its streams, its environment, and the core (built on demand). */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** The core context, opened on first use (so `help` or `sim` never create a data dir). */
  context(): CoreContext;
  /** Resolves when the user interrupts (Ctrl-C / SIGTERM); long-running commands await it. */
  interrupted: Promise<void>;
}

export interface Command {
  /** Words that select the command, e.g. ['product', 'create']. */
  path: string[];
  usage: string;
  summary: string;
  options: Options;
  positionals?: boolean;
  /** Returns the exit code (0 when omitted). */
  run(values: Values, positionals: string[], io: CliIo): Promise<number | void>;
}

/**
 * What the command table holds: the words and a loader. A command's module (and what it pulls
 * in: SQLite, serialport, zod) is loaded only when that command runs or its help is shown, so
 * `--version`, a typo or `help` for one group start as fast as node itself.
 */
export interface CommandEntry {
  path: string[];
  load(): Promise<Command>;
}

/** Every command takes --json. */
export const JSON_OPT: Options = { json: { type: 'boolean' } };
