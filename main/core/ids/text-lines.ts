/**
 * Decoded text → lines, and what makes a line not text. Line ends are LF, CRLF or a lone CR
 * (old Mac exports), as readline counts them, so line numbers match what an editor shows.
 */

/** Longer than any id row; a "line" this long is a binary file or one without line breaks. */
export const MAX_LINE_CHARS = 64 * 1024;

export class LineTooLong extends Error {
  constructor(readonly line: number) {
    super(`line ${line} is longer than ${MAX_LINE_CHARS} characters`);
  }
}

const EOL = /\r\n|\r|\n/g;

/** Lines without their ends; memory is bounded by MAX_LINE_CHARS whatever the input. */
export async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let carry = '';
  let lineNo = 1;
  for await (const chunk of chunks) {
    const text = carry + chunk;
    // A CR at the end may be the first half of a CRLF cut by the chunk boundary.
    const end = text.endsWith('\r') ? text.length - 1 : text.length;
    let start = 0;
    EOL.lastIndex = 0;
    for (let m = EOL.exec(text); m && m.index < end; m = EOL.exec(text)) {
      yield text.slice(start, m.index);
      lineNo++;
      start = m.index + m[0].length;
    }
    carry = text.slice(start);
    if (carry.length > MAX_LINE_CHARS) throw new LineTooLong(lineNo);
  }
  if (carry !== '') yield carry.replace(/\r$/, '');
}

/**
 * C0 controls other than tab, LF and CR, DEL, C1 controls and the noncharacters U+FFFE/FFFF:
 * none of them is typed into a spreadsheet, all of them are what binary data decodes to.
 */
const JUNK = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/;

export type LineFault = { kind: 'binary'; detail: string } | { kind: 'encoding' };

/** Why a decoded line is not text, or undefined when it is. */
export function lineFault(text: string): LineFault | undefined {
  // U+FFFD is what the decoder put where bytes were invalid in the file's encoding.
  if (text.includes('\uFFFD')) return { kind: 'encoding' };
  const m = JUNK.exec(text);
  if (!m) return undefined;
  const cp = m[0].charCodeAt(0);
  const detail = cp === 0 ? 'a NUL byte' : `control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return { kind: 'binary', detail: `${detail} at column ${m.index + 1}` };
}
