import { redactor, type Redactor } from './redact.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  /** Writes out what the sinks still hold (a file sink batches its writes). */
  flush(): void;
}

export type Sink = ((line: string) => void) & { flushSync?: () => void };

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
    flush: () => sinks.forEach((s) => s.flushSync?.()),
  };
}

export { fileSink, type FlushableSink } from './file-sink.js';

export const nullLogger: Logger = createLogger([]);
