import fs from 'node:fs';
import { WxError } from '../errors/wx-error.js';
import { parseCsvLine } from './csv.js';
import { decodeFile, detectEncoding, type DetectedEncoding } from './text-decode.js';
import { LineTooLong, lineFault, splitLines } from './text-lines.js';

/**
 * The one rule for every file of device ids: either CSV whose header row names a
 * `device_id` column (other columns, e.g. sn or mac, are kept), or plain text with one id
 * per line and no header. Blank lines are skipped. Read as a stream so a file of a million
 * ids never sits in memory.
 */
export interface IdRow {
  /** 1-based line number in the file, for error messages. */
  line: number;
  device_id: string;
  /** The other columns by header name (CSV form only). */
  extra: Record<string, string>;
}

export interface IdFileShape {
  kind: 'csv' | 'plain';
  /** Header names other than device_id, in file order (CSV form only). */
  extraColumns: string[];
}

/** Where the lines came from, for the refusals' texts. */
export interface IdSource {
  path: string;
  /** How the bytes were read (DetectedEncoding.label). */
  encoding: string;
}

const isHeaderCell = (c: string) => c.trim().toLowerCase() === 'device_id';

/**
 * Lines that are not text, and a header row again (files of several exports pasted
 * together), are refused with their line: read as data they would queue junk or an id
 * literally named "device_id".
 */
export async function* readIdLines(lines: AsyncIterable<string>, onShape?: (s: IdFileShape) => void, source: IdSource = { path: '(input)', encoding: 'UTF-8' }): AsyncGenerator<IdRow> {
  let lineNo = 0;
  let header: string[] | undefined;
  let idCol = -1;
  let decided = false;
  for await (const raw of lines) {
    lineNo++;
    const fault = lineFault(raw);
    if (fault?.kind === 'encoding') throw new WxError('INPUT_FILE_ENCODING', { path: source.path, line: lineNo, encoding: source.encoding });
    if (fault) throw new WxError('INPUT_FILE_BINARY', { path: source.path, line: lineNo, detail: fault.detail });
    // A BOM opens the file, and reappears where files were concatenated.
    const text = raw.replace(/^\uFEFF/, '').replace(/\r$/, '');
    if (text.trim() === '') continue;
    if (!decided) {
      decided = true;
      const cells = parseCsvLine(text).map((c) => c.trim());
      const at = cells.findIndex(isHeaderCell);
      if (at >= 0) {
        header = cells;
        idCol = at;
        onShape?.({ kind: 'csv', extraColumns: cells.filter((_, i) => i !== at) });
        continue;
      }
      onShape?.({ kind: 'plain', extraColumns: [] });
    }
    const cells = parseCsvLine(text);
    // Any cell: a later export may order its columns differently.
    if (cells.some(isHeaderCell)) {
      throw new WxError('INPUT_FILE_REPEATED_HEADER', { path: source.path, line: lineNo });
    }
    if (!header) {
      yield { line: lineNo, device_id: text.trim(), extra: {} };
      continue;
    }
    const extra: Record<string, string> = {};
    header.forEach((name, i) => {
      if (i !== idCol) extra[name] = (cells[i] ?? '').trim();
    });
    yield { line: lineNo, device_id: (cells[idCol] ?? '').trim(), extra };
  }
}

async function* linesOf(file: string, enc: DetectedEncoding): AsyncGenerator<string> {
  try {
    yield* splitLines(decodeFile(file, enc.encoding));
  } catch (e) {
    if (e instanceof LineTooLong) throw new WxError('INPUT_FILE_BINARY', { path: file, line: e.line, detail: e.message });
    throw e;
  }
}

const fingerprint = (st: fs.Stats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;

function statOf(file: string): fs.Stats {
  try {
    return fs.statSync(file);
  } catch (e) {
    throw new WxError('FILE_UNREADABLE', { path: file, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
  }
}

/**
 * Reads the whole file to decide its encoding (unless it has a BOM) and to check every line,
 * and only then once more to give out rows: a refusal at line 900,000 must come before the
 * first row is queued or signed, and callers commit rows in chunks as they go. The extra reads
 * cost about 2 s per million ids, against minutes of queuing or signing. That is also why the
 * file must be a regular file (a pipe cannot be read again) and must not change in between.
 */
export function readIdFile(file: string, onShape?: (s: IdFileShape) => void): AsyncGenerator<IdRow> {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (e) {
    throw new WxError('FILE_UNREADABLE', { path: file, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
  }
  const before = statOf(file);
  if (!before.isFile()) throw new WxError('FILE_UNREADABLE', { path: file, detail: 'not a regular file; id files are read twice, so a pipe cannot be used' });
  return (async function* () {
    const enc = await detectEncoding(file);
    const source = { path: file, encoding: enc.label };
    for await (const _ of readIdLines(linesOf(file, enc), undefined, source));
    if (fingerprint(statOf(file)) !== fingerprint(before)) throw new WxError('FILE_UNREADABLE', { path: file, detail: 'it changed while being read' });
    yield* readIdLines(linesOf(file, enc), onShape, source);
  })();
}
