import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, MAX_LINE, parseLine, type Frame } from '../../main/core/serial/frame.js';
import { LineSplitter } from '../../main/core/serial/line-splitter.js';

/*
 * What a UART can throw at the station: any bytes, cut anywhere. The splitter and parser must
 * never throw, never hold more than one line's worth, and never lose or invent a frame.
 */

/** Cuts `data` at the given positions (any order, duplicates allowed; out of range ignored). */
function cut(data: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.filter((p) => p > 0 && p < data.length))].sort((a, b) => a - b);
  const bounds = [0, ...points, data.length];
  return bounds.slice(1).map((end, i) => data.subarray(bounds[i], end));
}

const bufferedOf = (s: LineSplitter): string => (s as unknown as { buf: string }).buf;

/** Bytes with line structure in them often enough to matter: newlines, CRs, '#', ' *', runs. */
const uartByte = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 6 },
  { arbitrary: fc.constantFrom(0x0a, 0x0d, 0x23, 0x20, 0x2a, 0x3d), weight: 3 },
);
const uartBytes = fc.oneof(
  fc.array(uartByte, { maxLength: 600 }).map((a) => Buffer.from(a)),
  // long runs without a newline, to push past MAX_LINE
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: MAX_LINE - 8, max: 3 * MAX_LINE }), fc.array(uartByte, { maxLength: 80 })).map(([b, n, tail]) =>
    Buffer.concat([Buffer.alloc(n, b === 0x0a ? 0x41 : b), Buffer.from(tail)]),
  ),
);
const cuts = fc.array(fc.integer({ min: 0, max: 4 * MAX_LINE }), { maxLength: 40 });

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';
const VALUE_CHARS = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => c !== '*');
const word = fc.string({ unit: fc.constantFrom(...UPPER), minLength: 1, maxLength: 10 });
const key = fc.string({ unit: fc.constantFrom(...KEY_CHARS), minLength: 1, maxLength: 16 });
const value = fc.oneof(
  fc.string({ unit: fc.constantFrom(...VALUE_CHARS), minLength: 1, maxLength: 60 }),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')), // '=' padding
);
const frame: fc.Arbitrary<Frame> = fc
  .record({
    verb: word,
    subject: fc.option(word, { nil: undefined }),
    fields: fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 10 }),
  })
  .map((f) => (f.subject === undefined ? { verb: f.verb, fields: f.fields } : { verb: f.verb, subject: f.subject, fields: f.fields }));

describe('LineSplitter + parseLine on arbitrary bytes', () => {
  it('never throw, never hold more than MAX_LINE, never emit a line over it, and finish', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(uartBytes, cuts), { minLength: 1, maxLength: 4 }), (parts) => {
        const started = Date.now();
        const lines: string[] = [];
        const s = new LineSplitter(
          (l) => lines.push(l),
          () => {},
        );
        for (const [bytes, at] of parts) {
          for (const chunk of cut(bytes, at)) {
            s.push(chunk);
            expect(bufferedOf(s).length).toBeLessThanOrEqual(MAX_LINE);
          }
        }
        for (const l of lines) {
          expect(l.length).toBeLessThanOrEqual(MAX_LINE);
          expect(l).not.toContain('\n');
          const p = parseLine(l);
          expect(['frame', 'badcrc', 'log', 'noise']).toContain(p.kind);
        }
        expect(Date.now() - started).toBeLessThan(2000);
      }),
      { numRuns: 300 },
    );
  });

  it('give the same lines however the bytes are cut, when no line is over-long', () => {
    const shortLines = fc.array(fc.array(fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0a), { maxLength: 120 }), { maxLength: 12 });
    fc.assert(
      fc.property(shortLines, fc.boolean(), cuts, (ls, crlf, at) => {
        const data = Buffer.from(ls.map((l) => Buffer.from(l).toString('latin1') + (crlf ? '\r\n' : '\n')).join(''), 'latin1');
        const lines: string[] = [];
        const s = new LineSplitter((l) => lines.push(l));
        for (const chunk of cut(data, at)) s.push(chunk);
        const want = ls.map((l) => Buffer.from(l).toString('latin1')).map((l) => (!crlf && l.endsWith('\r') ? l.slice(0, -1) : l));
        expect(lines).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});

describe('frames', () => {
  it('round-trip exactly: encode → cut at random points between noise → split → parse', () => {
    fc.assert(
      fc.property(
        frame,
        cuts,
        fc.boolean(),
        fc.array(fc.constantFrom('# log line', 'ets Jun  8 2016', '\x00\xff\x13', ''), { maxLength: 3 }),
        (f, at, crlf, noise) => {
          let line: string;
          try {
            line = encodeFrame(f.verb, f.fields, f.subject);
          } catch {
            return fc.pre(false); // over MAX_LINE: encodeFrame's refusal is tested elsewhere
          }
          const before = noise.map((n) => n + '\n').join('');
          const data = Buffer.from(before + line + (crlf ? '\r\n' : '\n'), 'latin1');
          const got: string[] = [];
          const s = new LineSplitter((l) => got.push(l));
          for (const chunk of cut(data, at)) s.push(chunk);
          const frames = got.map(parseLine).filter((p) => p.kind === 'frame');
          expect(frames).toHaveLength(1);
          const p = frames[0];
          expect(p.kind === 'frame' && p.frame).toEqual(f);
          expect(p.kind === 'frame' && p.line).toBe(line);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with any one byte of the line changed, never parse as the original frame', () => {
    fc.assert(
      fc.property(frame, fc.nat(), fc.integer({ min: 0x20, max: 0x7e }), (f, pos, b) => {
        let line: string;
        try {
          line = encodeFrame(f.verb, f.fields, f.subject);
        } catch {
          return fc.pre(false);
        }
        const i = pos % line.length;
        fc.pre(line.charCodeAt(i) !== b);
        const bad = line.slice(0, i) + String.fromCharCode(b) + line.slice(i + 1);
        const p = parseLine(bad);
        if (p.kind === 'frame') expect(p.frame).not.toEqual(f);
      }),
      { numRuns: 500 },
    );
  });
});
