import fs from 'node:fs';

/**
 * How an id file's bytes become text, decided in this one place for every reader of user
 * files. Factories hand over what their tools save: Excel's "CSV UTF-8" (BOM), plain UTF-8
 * from MES exports, "Unicode text" (UTF-16 with BOM), and, most often on zh-CN Windows,
 * Excel's "CSV (comma delimited)", which is GBK. GB18030 is GBK's superset, so it decodes both.
 */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030';

export interface DetectedEncoding {
  encoding: TextEncoding;
  /** How the choice was made, for error messages: a person must see why we read it that way. */
  label: string;
}

const BOMS: { bytes: number[]; encoding: TextEncoding; label: string }[] = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8', label: 'UTF-8 (BOM)' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le', label: 'UTF-16LE (BOM)' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be', label: 'UTF-16BE (BOM)' },
];

export function bomEncoding(head: Uint8Array): DetectedEncoding | undefined {
  const b = BOMS.find((x) => x.bytes.every((v, i) => head[i] === v));
  return b && { encoding: b.encoding, label: b.label };
}

const CHUNK = 64 * 1024;

async function* bytesOf(file: string): AsyncGenerator<Buffer> {
  for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK })) yield chunk as Buffer;
}

/**
 * A BOM decides. Without one, the whole file is checked as UTF-8 before anything is read
 * as text: GBK bytes that first appear after a megabyte of ASCII must not leave the start
 * read one way and the rest another, and sniffing only the head would do exactly that. A file
 * that is not valid UTF-8 anywhere is read as GB18030 throughout (ASCII reads the same in
 * both). UTF-16 without a BOM is not guessed: its NUL bytes are refused as binary later.
 */
export async function detectEncoding(file: string, read: (f: string) => AsyncIterable<Uint8Array> = bytesOf): Promise<DetectedEncoding> {
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let first = true;
  try {
    for await (const chunk of read(file)) {
      if (first) {
        first = false;
        // Short reads are possible in theory; a BOM is at most 3 bytes and chunks are 64 KB.
        const bom = bomEncoding(chunk);
        if (bom) return bom;
      }
      utf8.decode(chunk, { stream: true });
    }
    utf8.decode();
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return { encoding: 'gb18030', label: 'UTF-8 or GB18030/GBK' };
  }
  return { encoding: 'utf-8', label: 'UTF-8' };
}

/**
 * The file as text in chunks, bounded memory. Invalid bytes become U+FFFD (not a throw) so
 * the line check can name the line they are on; the BOM is dropped by the decoder.
 */
export async function* decodeFile(file: string, encoding: TextEncoding, read: (f: string) => AsyncIterable<Uint8Array> = bytesOf): AsyncGenerator<string> {
  const dec = new TextDecoder(encoding, { fatal: false });
  for await (const chunk of read(file)) {
    const text = dec.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const tail = dec.decode();
  if (tail) yield tail;
}
