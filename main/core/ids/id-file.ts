import fs from 'node:fs';
import readline from 'node:readline';
import { WxError } from '../errors/wx-error.js';
import { parseCsvLine } from './csv.js';

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

export async function* readIdLines(lines: AsyncIterable<string>, onShape?: (s: IdFileShape) => void): AsyncGenerator<IdRow> {
  let lineNo = 0;
  let header: string[] | undefined;
  let idCol = -1;
  let decided = false;
  for await (let raw of lines) {
    lineNo++;
    if (lineNo === 1) raw = raw.replace(/^\uFEFF/, '');
    const text = raw.replace(/\r$/, '');
    if (text.trim() === '') continue;
    if (!decided) {
      decided = true;
      const cells = parseCsvLine(text).map((c) => c.trim());
      const at = cells.findIndex((c) => c.toLowerCase() === 'device_id');
      if (at >= 0) {
        header = cells;
        idCol = at;
        onShape?.({ kind: 'csv', extraColumns: cells.filter((_, i) => i !== at) });
        continue;
      }
      onShape?.({ kind: 'plain', extraColumns: [] });
    }
    if (!header) {
      yield { line: lineNo, device_id: text.trim(), extra: {} };
      continue;
    }
    const cells = parseCsvLine(text);
    const extra: Record<string, string> = {};
    header.forEach((name, i) => {
      if (i !== idCol) extra[name] = (cells[i] ?? '').trim();
    });
    yield { line: lineNo, device_id: (cells[idCol] ?? '').trim(), extra };
  }
}

export function readIdFile(file: string, onShape?: (s: IdFileShape) => void): AsyncGenerator<IdRow> {
  let stream: fs.ReadStream;
  try {
    fs.accessSync(file, fs.constants.R_OK);
    stream = fs.createReadStream(file, { encoding: 'utf8' });
  } catch (e) {
    throw new WxError('FILE_UNREADABLE', { path: file, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
  }
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  return readIdLines(rl, onShape);
}
