import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, csvRow, parseCsvLine } from '../../main/core/ids/csv.js';

describe('parseCsvLine', () => {
  it('splits plain fields and keeps spaces', () => {
    expect(parseCsvLine('a,b,c')).toEqual(['a', 'b', 'c']);
    expect(parseCsvLine(' a , b ')).toEqual([' a ', ' b ']);
    expect(parseCsvLine('SN-1')).toEqual(['SN-1']);
  });

  it('keeps empty fields, leading, inner and trailing', () => {
    expect(parseCsvLine('')).toEqual(['']);
    expect(parseCsvLine(',')).toEqual(['', '']);
    expect(parseCsvLine('a,,c')).toEqual(['a', '', 'c']);
    expect(parseCsvLine(',b,')).toEqual(['', 'b', '']);
    expect(parseCsvLine('"",x')).toEqual(['', 'x']);
    expect(parseCsvLine('x,""')).toEqual(['x', '']);
  });

  it('reads quoted fields with commas and escaped quotes', () => {
    expect(parseCsvLine('"a,b",c')).toEqual(['a,b', 'c']);
    expect(parseCsvLine('"say ""hi""",x')).toEqual(['say "hi"', 'x']);
    expect(parseCsvLine('""""')).toEqual(['"']);
    expect(parseCsvLine('"""a""",""""""')).toEqual(['"a"', '""']);
    expect(parseCsvLine('"中文,设备",SN1')).toEqual(['中文,设备', 'SN1']);
  });

  it('takes a quote inside an unquoted field literally', () => {
    expect(parseCsvLine('ab"c,d')).toEqual(['ab"c', 'd']);
  });
});

describe('csvField / csvRow', () => {
  it('quotes only when it has to', () => {
    expect(csvRow(['a', 'b'])).toBe('a,b');
    expect(csvRow(['a,b', 'c'])).toBe('"a,b",c');
    expect(csvRow(['say "hi"'])).toBe('"say ""hi"""');
    expect(csvRow(['line\nbreak', 'cr\r'])).toBe('"line\nbreak","cr\r"');
    expect(csvRow([' padded '])).toBe(' padded ');
  });

  it('writes null and undefined as empty and numbers as text', () => {
    expect(csvRow([null, undefined, 3, 0, ''])).toBe(',,3,0,');
    expect(csvField(1234567)).toBe('1234567');
  });

  it('quotes everything when asked', () => {
    expect(csvRow(['a', 'b"c', 1], true)).toBe('"a","b""c","1"');
    expect(csvField(null, true)).toBe('""');
  });
});

/** Characters that matter to CSV, mixed with any unicode code point. */
const nastyChar = fc.oneof(
  fc.constantFrom('"', ',', ' ', '\t', 'a', '0', '_', '-', '\uFEFF', '中'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const fieldNoNewline = fc.string({ unit: nastyChar, maxLength: 20 }).filter((s) => !/[\r\n]/.test(s));

describe('csvRow → parseCsvLine (property)', () => {
  it('round trips any fields without line breaks', () => {
    fc.assert(
      fc.property(fc.array(fieldNoNewline, { minLength: 1, maxLength: 8 }), (fields) => {
        expect(parseCsvLine(csvRow(fields))).toEqual(fields);
      }),
      { numRuns: 2000 },
    );
  });

  it('round trips when every field is quoted too', () => {
    fc.assert(
      fc.property(fc.array(fieldNoNewline, { minLength: 1, maxLength: 8 }), (fields) => {
        expect(parseCsvLine(csvRow(fields, true))).toEqual(fields);
      }),
      { numRuns: 1000 },
    );
  });

  it('round trips arbitrary full-unicode strings (no line breaks)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary' }).filter((s) => !/[\r\n]/.test(s)),
          { minLength: 1, maxLength: 5 },
        ),
        (fields) => {
          expect(parseCsvLine(csvRow(fields))).toEqual(fields);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
