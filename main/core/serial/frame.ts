import { crcHex } from './crc.js';

/**
 * WXP/1 frames: `VERB [key=value]... *CRC`, one ASCII line. See PROTOCOL.md.
 * Encoding refuses what the grammar cannot carry; parsing never throws (a line from a
 * booting device can be anything) and says what it saw.
 */
export interface Frame {
  verb: string;
  /** The bare word after OK / ERR / EVENT naming what it answers (`OK HELLO ...`). */
  subject?: string;
  /** In wire order; a key appears at most once. */
  fields: [string, string][];
}

export type Parsed =
  | { kind: 'frame'; frame: Frame; line: string }
  | { kind: 'badcrc'; verb: string; line: string }
  | { kind: 'log'; text: string }
  | { kind: 'noise'; line: string };

export const MAX_LINE = 1024;
const VERB_RE = /^[A-Z]+$/;
const KEY_RE = /^[a-z0-9_]+$/;
const VALUE_RE = /^[\x21-\x29\x2b-\x7e]+$/; // printable, no space, no '*'

export class FrameError extends Error {}

export function encodeFrame(
  verb: string,
  fields: Record<string, string | number> | [string, string | number][] = [],
  subject?: string,
): string {
  if (!VERB_RE.test(verb)) throw new FrameError(`verb ${JSON.stringify(verb)} must be upper-case letters`);
  if (subject !== undefined && !VERB_RE.test(subject)) throw new FrameError(`subject ${JSON.stringify(subject)} must be upper-case letters`);
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
  const seen = new Set<string>();
  const parts = subject === undefined ? [verb] : [verb, subject];
  for (const [k, raw] of pairs) {
    const v = String(raw);
    if (!KEY_RE.test(k)) throw new FrameError(`key ${JSON.stringify(k)} must be lower-case letters, digits or _`);
    if (seen.has(k)) throw new FrameError(`key ${k} given twice`);
    if (!VALUE_RE.test(v)) throw new FrameError(`value of ${k} must be printable ASCII without spaces or *`);
    seen.add(k);
    parts.push(`${k}=${v}`);
  }
  const body = parts.join(' ');
  const line = `${body} *${crcHex(body)}`;
  if (line.length + 1 > MAX_LINE) throw new FrameError(`frame is ${line.length + 1} bytes, over ${MAX_LINE}`);
  return line;
}

/** Parses one line (without its `\n`; a trailing `\r` is dropped here). */
export function parseLine(raw: string): Parsed {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.startsWith('#')) return { kind: 'log', text: line.slice(1).trimStart() };
  const star = line.lastIndexOf(' *');
  if (star < 0 || line.length - star !== 6) return { kind: 'noise', line };
  const body = line.slice(0, star);
  const crc = line.slice(star + 2);
  if (!/^[0-9A-F]{4}$/.test(crc)) return { kind: 'noise', line };
  const tokens = body.split(' ');
  const verb = tokens[0];
  if (!VERB_RE.test(verb)) return { kind: 'noise', line };
  if (crcHex(body) !== crc) return { kind: 'badcrc', verb, line };
  const fields: [string, string][] = [];
  const seen = new Set<string>();
  const subject = tokens.length > 1 && VERB_RE.test(tokens[1]) ? tokens[1] : undefined;
  for (const t of tokens.slice(subject === undefined ? 1 : 2)) {
    const eq = t.indexOf('=');
    if (eq <= 0) return { kind: 'noise', line };
    const k = t.slice(0, eq);
    const v = t.slice(eq + 1);
    if (!KEY_RE.test(k) || seen.has(k) || !VALUE_RE.test(v)) return { kind: 'noise', line };
    seen.add(k);
    fields.push([k, v]);
  }
  return { kind: 'frame', frame: subject === undefined ? { verb, fields } : { verb, subject, fields }, line };
}

export const field = (f: Frame, key: string): string | undefined => f.fields.find(([k]) => k === key)?.[1];
export const fieldMap = (f: Frame): Record<string, string> => Object.fromEntries(f.fields);
