import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, ensurePrivateFile, type OnTightened } from '../config/private-files.js';
import { redactor, type Redactor } from './redact.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export type Sink = (line: string) => void;

/**
 * JSON-lines logger. Every line passes through the redactor on its way out, so a careless
 * field (a URL with its token, an error text quoting the secret) is masked anyway.
 */
export function createLogger(sinks: Sink[], r: Redactor = redactor, now: () => Date = () => new Date()): Logger {
  const log = (level: Level, event: string, fields: Record<string, unknown> = {}) => {
    if (sinks.length === 0) return;
    const line = r.redact(JSON.stringify({ t: now().toISOString(), level, event, ...fields }));
    for (const s of sinks) s(line);
  };
  return {
    log,
    debug: (e, f) => log('debug', e, f),
    info: (e, f) => log('info', e, f),
    warn: (e, f) => log('warn', e, f),
    error: (e, f) => log('error', e, f),
  };
}

/**
 * Appends to <home>/logs/wxprov.log, owner-only (tightened if found wider, each one reported to
 * `onTightened`): redaction masks what it knows, but the log still tells the production story.
 */
export function fileSink(home: string, onTightened?: OnTightened): Sink {
  const dir = path.join(home, 'logs');
  ensurePrivateDir(dir, onTightened);
  const file = path.join(dir, 'wxprov.log');
  ensurePrivateFile(file, onTightened);
  return (line) => fs.appendFileSync(file, line + '\n', { mode: 0o600 });
}

export const nullLogger: Logger = createLogger([]);
