import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WxError } from '../../main/core/errors/wx-error.js';
import { deviceIdProblem } from '../../main/core/ids/validate.js';
import { DEFAULT_TEMPLATE, parseTemplate, renderTemplate, type RenderValues } from '../../main/core/registry/template.js';

/*
 * The template rules, written again here independently of template.ts: a template is a run of
 * literal text ([0-9A-Za-z_-]) and tokens {station}, {date:FMT} (FMT one or more of
 * YYYY/YY/MM/DD), {seq:N} (N 1-12, at most once), {hwid}, {sn}; it needs at least one of
 * {seq}, {hwid}, {sn} so that two units can get different ids, and {station} whenever it has
 * {seq} (sequences count per station).
 */
const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-';
const ID_SET = new Set(ID_CHARS);
const RENDER_CODES = new Set(['TEMPLATE_INVALID', 'SEQUENCE_EXHAUSTED', 'TEMPLATE_NEEDS_VALUE']);

type ModelPart =
  | { kind: 'text'; text: string }
  | { kind: 'station' }
  | { kind: 'date'; format: string }
  | { kind: 'seq'; digits: number }
  | { kind: 'hwid' }
  | { kind: 'sn' };

/** The reference reading of a template: its parts, or undefined when it is not a template. */
function modelParse(source: string): ModelPart[] | undefined {
  const parts: ModelPart[] = [];
  let rest = source;
  while (rest.length > 0) {
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^[0-9A-Za-z_-]+/))) parts.push({ kind: 'text', text: m[0] });
    else if ((m = rest.match(/^\{(station|hwid|sn)\}/))) parts.push({ kind: m[1] as 'station' | 'hwid' | 'sn' });
    else if ((m = rest.match(/^\{date:((?:YYYY|YY|MM|DD)+)\}/))) parts.push({ kind: 'date', format: m[1] });
    // N is a count of digits 1-12; leading zeros ({seq:06}) are read as the number they spell.
    else if ((m = rest.match(/^\{seq:([0-9]+)\}/)) && Number(m[1]) >= 1 && Number(m[1]) <= 12) parts.push({ kind: 'seq', digits: Number(m[1]) });
    else return undefined;
    rest = rest.slice(m[0].length);
  }
  if (parts.filter((p) => p.kind === 'seq').length > 1) return undefined;
  if (!parts.some((p) => p.kind === 'seq' || p.kind === 'hwid' || p.kind === 'sn')) return undefined;
  // Sequences count per station: a {seq} without {station} would collide across stations.
  if (parts.some((p) => p.kind === 'seq') && !parts.some((p) => p.kind === 'station')) return undefined;
  return parts;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
function modelDate(d: Date, format: string): string {
  let out = '';
  for (const t of format.match(/YYYY|YY|MM|DD/g)!) {
    out += t === 'YYYY' ? String(d.getFullYear()) : t === 'YY' ? pad(d.getFullYear() % 100, 2) : t === 'MM' ? pad(d.getMonth() + 1, 2) : pad(d.getDate(), 2);
  }
  return out;
}
const keepIdChars = (s: string) => [...s].filter((c) => ID_SET.has(c)).join('');

/** The reference rendering: the id, or the error code the first failing part (or the length) gives. */
function modelRender(parts: ModelPart[], v: RenderValues): { id: string } | { code: string } {
  let out = '';
  for (const p of parts) {
    switch (p.kind) {
      case 'text':
        out += p.text;
        break;
      case 'station':
        if (!v.station) return { code: 'TEMPLATE_NEEDS_VALUE' };
        out += v.station;
        break;
      case 'date':
        out += modelDate(v.date, p.format);
        break;
      case 'seq': {
        const s = v.seq ?? 0;
        if (s >= 10 ** p.digits) return { code: 'SEQUENCE_EXHAUSTED' };
        out += pad(s, p.digits);
        break;
      }
      case 'hwid':
      case 'sn': {
        const kept = keepIdChars(v[p.kind] ?? '');
        if (!kept) return { code: 'TEMPLATE_NEEDS_VALUE' };
        out += kept;
        break;
      }
    }
  }
  return out.length > 128 ? { code: 'TEMPLATE_INVALID' } : { id: out };
}

function outcome(fn: () => string): { id: string } | { code: string } {
  try {
    return { id: fn() };
  } catch (e) {
    if (!(e instanceof WxError)) throw new Error(`not a WxError: ${String(e)}`);
    return { code: e.code };
  }
}

// ---- generators -------------------------------------------------------------------------

const idText = (max = 6) => fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: max });
const dateFormat = fc.array(fc.constantFrom('YYYY', 'YY', 'MM', 'DD'), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
const seqDigits = fc.integer({ min: 1, max: 12 });

const tokenSource = fc.oneof(
  { arbitrary: idText(), weight: 3 },
  { arbitrary: fc.constant('{station}'), weight: 2 },
  { arbitrary: dateFormat.map((f) => `{date:${f}}`), weight: 2 },
  { arbitrary: fc.constant('{hwid}'), weight: 1 },
  { arbitrary: fc.constant('{sn}'), weight: 1 },
);

/** A valid template: literal text and tokens, one {seq:N} or not, at least one of seq/hwid/sn, and {station} with {seq}. */
const validTemplate = fc
  .record({
    before: fc.array(tokenSource, { maxLength: 4 }),
    seq: fc.option(seqDigits, { nil: undefined }),
    after: fc.array(tokenSource, { maxLength: 4 }),
    unique: fc.constantFrom('{hwid}', '{sn}'),
  })
  .map(({ before, seq, after, unique }) => {
    const mid = seq === undefined ? unique : `{seq:${seq}}`;
    const t = [...before, mid, ...after].join('');
    return seq !== undefined && !t.includes('{station}') ? `{station}${t}` : t;
  });

/** Fragments that make near-templates: broken tokens, foreign characters, braces. */
const fragment = fc.oneof(
  idText(3),
  fc.constantFrom(
    '{station}', '{hwid}', '{sn}', '{seq:6}', '{seq:1}', '{seq:12}', '{date:YYMMDD}', '{date:YYYY}',
    '{seq:0}', '{seq:13}', '{seq:}', '{seq}', '{seq:x}', '{seq:-1}', '{seq: 6}', '{seq:6.0}', '{seq:06}', '{seq:٣}',
    '{date:}', '{date}', '{date:YYM}', '{date:yymmdd}', '{date:Y}', '{date:HH}', '{date:YY-MM}',
    '{Station}', '{STATION}', '{station:1}', '{hwid:}', '{sn:x}', '{mac}', '{}', '{{seq:6}}',
    '{', '}', ':', '{seq:6', 'seq:6}', ' ', '.', '/', '中', 'é', '\u00A0', '\n', '%', '$', '#', '+',
  ),
);
const nearTemplate = fc.array(fragment, { maxLength: 8 }).map((a) => a.join(''));

const station = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'), minLength: 1, maxLength: 8 });
/** Production dates: four-digit years, so {date:YYYY} is four characters wide. */
const date = fc.date({ min: new Date(2000, 0, 1), max: new Date(2099, 11, 31, 23, 59, 59), noInvalidDate: true });
/** Raw hardware ids and serials as units report them: MACs with colons, spaces, anything. */
const rawValue = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:-. '), maxLength: 20 }),
  fc.constantFrom('aa:bb:cc:dd:ee:ff', 'SN 0001/2', '中文', ':::', ''),
);
const seqValue = fc.oneof(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 10 ** 13 }));

const values = fc.record({
  station: fc.option(station, { nil: undefined }),
  date,
  seq: fc.option(seqValue, { nil: undefined }),
  hwid: fc.option(rawValue, { nil: undefined }),
  sn: fc.option(rawValue, { nil: undefined }),
});

// ---- properties --------------------------------------------------------------------------

describe('parseTemplate', () => {
  it('accepts every well-formed template, with the parts the reference reads', () => {
    fc.assert(
      fc.property(validTemplate, (t) => {
        const parsed = parseTemplate(t);
        expect(parsed.parts).toEqual(modelParse(t));
        expect(parsed.source).toBe(t);
        expect(parsed.seqDigits).toBe((modelParse(t)!.find((p) => p.kind === 'seq') as { digits: number } | undefined)?.digits);
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts exactly the templates the reference accepts; anything else is TEMPLATE_INVALID', () => {
    fc.assert(
      fc.property(fc.oneof(nearTemplate, validTemplate, fc.string({ maxLength: 20 })), (t) => {
        const model = modelParse(t);
        let got: string;
        try {
          parseTemplate(t);
          got = 'ok';
        } catch (e) {
          got = e instanceof WxError ? e.code : `not a WxError: ${String(e)}`;
        }
        expect(got, JSON.stringify(t)).toBe(model ? 'ok' : 'TEMPLATE_INVALID');
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses the classic mistakes', () => {
    const bad = [
      '', 'FR', '{station}{date:YYMMDD}', '{seq:0}', '{seq:13}', '{seq:6}{seq:2}', '{seq:6}{hwid}{seq:1}', 'A B{seq:6}', 'A.{seq:6}',
      '{seq:6', 'A{{seq:6}', '{Station}{seq:6}', '{date:YYM}{seq:6}', '{date:}{seq:6}', '{station:x}{seq:6}', '{mac}', '中{seq:6}', '{seq:6}\n',
    ];
    for (const t of bad) expect(() => parseTemplate(t), JSON.stringify(t)).toThrow(expect.objectContaining({ code: 'TEMPLATE_INVALID' }));
    for (const t of [DEFAULT_TEMPLATE, 'FR{station}{date:YYMMDD}{seq:6}', '{hwid}', '{sn}', 'x_-{station}{seq:12}', '{date:YYYYMMDD}{sn}{station}']) {
      expect(() => parseTemplate(t), t).not.toThrow();
    }
  });
});

describe('renderTemplate', () => {
  it('renders a valid device id or throws one of the three template errors, exactly as the reference says', () => {
    fc.assert(
      fc.property(validTemplate, values, (t, v) => {
        const got = outcome(() => renderTemplate(parseTemplate(t), v));
        expect(got, JSON.stringify({ t, v })).toEqual(modelRender(modelParse(t)!, v));
        if ('id' in got) expect(deviceIdProblem(got.id)).toBeUndefined();
        else expect(RENDER_CODES.has(got.code)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('never renders an invalid id, whatever the values (out-of-range seq, odd stations, any strings)', () => {
    const anyValues = fc.record({
      station: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
      date: fc.date({ min: new Date(-1e14), max: new Date(1e14), noInvalidDate: true }),
      seq: fc.option(fc.oneof(fc.integer(), fc.double(), fc.maxSafeNat()), { nil: undefined }),
      hwid: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
      sn: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(validTemplate, anyValues, (t, v) => {
        const got = outcome(() => renderTemplate(parseTemplate(t), v));
        if ('id' in got) expect(deviceIdProblem(got.id), JSON.stringify({ t, v, got })).toBeUndefined();
        else expect(RENDER_CODES.has(got.code), got.code).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives distinct ids for distinct seq values (same template, date, station, hwid, sn)', () => {
    const seqTemplate = fc
      .record({ t: validTemplate, digits: seqDigits, at: fc.nat() })
      // Either end of a template is a token boundary, so adding {seq:N} there keeps it well formed.
      .map(({ t, digits, at }) => (t.includes('{seq:') ? t : at % 2 ? `${t}{seq:${digits}}` : `{seq:${digits}}${t}`))
      .map((t) => (t.includes('{station}') ? t : `{station}${t}`));
    fc.assert(
      fc.property(seqTemplate, values, fc.nat(), fc.nat(), (t, v, a, b) => {
        const tpl = parseTemplate(t);
        const max = 10 ** tpl.seqDigits!;
        const sa = a % max;
        const sb = b % max;
        const ra = outcome(() => renderTemplate(tpl, { ...v, seq: sa }));
        const rb = outcome(() => renderTemplate(tpl, { ...v, seq: sb }));
        if ('id' in ra && 'id' in rb) expect(ra.id === rb.id, JSON.stringify({ t, sa, sb, ra, rb })).toBe(sa === sb);
        // Whether it renders does not depend on which in-range seq it is.
        expect('id' in ra).toBe('id' in rb);
      }),
      { numRuns: 2000 },
    );
  });

  it('zero-pads {seq:N} to N digits and throws SEQUENCE_EXHAUSTED for a seq that needs more', () => {
    fc.assert(
      fc.property(seqDigits, fc.nat(), fc.integer({ min: 0, max: 10 ** 6 }), (n, x, over) => {
        const tpl = parseTemplate(`S{station}{seq:${n}}E`);
        const seq = x % 10 ** n;
        const id = renderTemplate(tpl, { station: 'Q', date: new Date(), seq });
        expect(id).toMatch(new RegExp(`^SQ\\d{${n}}E$`));
        expect(Number(id.slice(2, -1))).toBe(seq);
        const tooBig = 10 ** n + over;
        expect(() => renderTemplate(tpl, { station: 'Q', date: new Date(), seq: tooBig })).toThrow(expect.objectContaining({ code: 'SEQUENCE_EXHAUSTED' }));
      }),
      { numRuns: 1000 },
    );
    expect(renderTemplate(parseTemplate('{station}{seq:6}'), { station: 'A1', date: new Date(), seq: 42 })).toBe('A1000042');
    expect(() => parseTemplate('{seq:6}')).toThrow(expect.objectContaining({ code: 'TEMPLATE_INVALID' }));
    expect(renderTemplate(parseTemplate('{station}{seq:6}'), { station: 'A', date: new Date(), seq: 999_999 })).toBe('A999999');
    expect(() => renderTemplate(parseTemplate('{station}{seq:6}'), { station: 'A', date: new Date(), seq: 1_000_000 })).toThrow(expect.objectContaining({ code: 'SEQUENCE_EXHAUSTED' }));
  });

  it('{hwid} and {sn} keep only the characters a device id may hold, and need at least one', () => {
    fc.assert(
      fc.property(fc.constantFrom('hwid', 'sn') as fc.Arbitrary<'hwid' | 'sn'>, rawValue, (token, raw) => {
        const kept = keepIdChars(raw);
        const got = outcome(() => renderTemplate(parseTemplate(`X{${token}}`), { date: new Date(), [token]: raw }));
        expect(got).toEqual(kept ? { id: `X${kept}` } : { code: 'TEMPLATE_NEEDS_VALUE' });
      }),
      { numRuns: 2000 },
    );
    expect(renderTemplate(parseTemplate('{hwid}'), { date: new Date(), hwid: 'AA:BB:CC:00:11:22' })).toBe('AABBCC001122');
    expect(renderTemplate(parseTemplate('{sn}'), { date: new Date(), sn: ' SN-0001 / 中 ' })).toBe('SN-0001');
  });
});
