import fs from 'node:fs';
import path from 'node:path';
import type { LogLine } from '../../../preload/contract.js';
import { redactor } from '../log/redact.js';

const CHUNK = 64 * 1024;
/** Never read more than this from the end, whatever the lines' length. */
const MAX_BYTES = 8 * 1024 * 1024;

export const logFile = (dataDir: string): string => path.join(dataDir, 'logs', 'wxprov.log');

/** One JSON log line as the UI shows it: time, level, event, and the other fields as `k=v`. */
export function parseLogLine(line: string): LogLine {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    o = undefined;
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) return { t: '', level: 'info', event: '', text: redactor.redact(line) };
  const { t, level, event, ...rest } = o as Record<string, unknown>;
  const text = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return { t: typeof t === 'string' ? t : '', level: typeof level === 'string' ? level : 'info', event: typeof event === 'string' ? event : '', text: redactor.redact(text) };
}

/**
 * The last `n` lines of the log, oldest first, read backwards from the end in chunks so a
 * large log costs what its tail costs. Lines were redacted when written; they pass the
 * redactor again on the way out anyway.
 */
export function tailLog(file: string, n: number): LogLine[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    while (pos > 0 && newlines <= n && size - pos < MAX_BYTES) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const b = Buffer.alloc(len);
      fs.readSync(fd, b, 0, len, pos);
      for (const byte of b) if (byte === 0x0a) newlines++;
      chunks.unshift(b);
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (pos > 0) lines.shift(); // began mid-line
    return lines
      .filter((l) => l.trim() !== '')
      .slice(-n)
      .map(parseLogLine);
  } finally {
    fs.closeSync(fd);
  }
}
