import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deviceIdProblem } from '../../main/core/ids/validate.js';

/** The platform's rule, written independently of the code under test. */
const ALLOWED = new Set('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-');
const isValid = (s: string): boolean => s.length >= 1 && s.length <= 128 && [...s].every((c) => ALLOWED.has(c));

const allowedChar = fc.constantFrom(...ALLOWED);
/** Characters that look or feel like id characters but are not. */
const nearMiss = fc.constantFrom(
  ' ', '.', ':', '/', '+', '=', ',', '"', "'", '\t', '\n', '\r', '\0', '\u00A0', '\uFEFF', '\u200B',
  'é', 'ß', 'İ', '中', '设', '😀', 'Ａ', '０', '＿', '－', 'А', 'О', '\uD800', '\uDC00',
);
const anyChar = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });

describe('deviceIdProblem', () => {
  it('accepts every string of 1-128 allowed characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: allowedChar, minLength: 1, maxLength: 128 }), (id) => {
        expect(deviceIdProblem(id)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects 129 or more allowed characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: allowedChar, minLength: 129, maxLength: 400 }), (id) => {
        expect(deviceIdProblem(id)).toBeTypeOf('string');
      }),
    );
    expect(deviceIdProblem('a'.repeat(128))).toBeUndefined();
    expect(deviceIdProblem('a'.repeat(129))).toMatch(/129 bytes/);
  });

  it('rejects any allowed-looking id with one foreign character anywhere', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: allowedChar, maxLength: 127 }),
        fc.oneof(nearMiss, anyChar.filter((c) => !ALLOWED.has(c))),
        fc.nat(),
        (base, bad, at) => {
          const i = base.length === 0 ? 0 : at % (base.length + 1);
          const id = base.slice(0, i) + bad + base.slice(i);
          expect(deviceIdProblem(id), JSON.stringify(id)).toBeTypeOf('string');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('agrees with the rule on arbitrary strings (accepts exactly the valid ones)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof({ weight: 8, arbitrary: allowedChar }, nearMiss, anyChar), maxLength: 140 }), (id) => {
        expect(deviceIdProblem(id) === undefined, JSON.stringify(id)).toBe(isValid(id));
      }),
      { numRuns: 5000 },
    );
  });

  it('counts UTF-8 bytes for multibyte input and names the bad character', () => {
    expect(deviceIdProblem('')).toBe('empty');
    expect(deviceIdProblem('中'.repeat(43))).toMatch(/129 bytes/);
    expect(deviceIdProblem('设备1')).toMatch(/not allowed/);
    expect(deviceIdProblem('SN 1')).toBe('character " " is not allowed');
    expect(deviceIdProblem('SN1\n')).toMatch(/not allowed/);
    expect(deviceIdProblem('😀')).toMatch(/😀/);
  });
});
