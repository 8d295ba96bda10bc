import { WxError, type Words } from '../errors/wx-error.js';
import { deviceIdProblem } from '../ids/validate.js';

/**
 * Device id templates, e.g. `FR{station}{date:YYMMDD}{seq:6}`. Literal text is limited to
 * what a device id may hold, so a valid template can only render valid ids (given valid
 * values). {hwid} and {sn} drop characters a device id cannot carry (a MAC's colons).
 */
export type Part =
  | { kind: 'text'; text: string }
  | { kind: 'station' }
  | { kind: 'date'; format: string }
  | { kind: 'seq'; digits: number }
  | { kind: 'hwid' }
  | { kind: 'sn' };

export interface Template {
  source: string;
  parts: Part[];
  seqDigits?: number;
  needs: { station: boolean; hwid: boolean; sn: boolean };
}

export const DEFAULT_TEMPLATE = '{station}{date:YYMMDD}{seq:6}';

const TOKEN = /\{([a-z]+)(?::([^}]*))?\}/g;

export function parseTemplate(source: string): Template {
  const bad = (detail: string): never => {
    throw new WxError('TEMPLATE_INVALID', { detail });
  };
  const parts: Part[] = [];
  let last = 0;
  for (const m of source.matchAll(TOKEN)) {
    if (m.index > last) parts.push({ kind: 'text', text: source.slice(last, m.index) });
    last = m.index + m[0].length;
    const [, name, arg] = m;
    if (name === 'station' && arg === undefined) parts.push({ kind: 'station' });
    else if (name === 'hwid' && arg === undefined) parts.push({ kind: 'hwid' });
    else if (name === 'sn' && arg === undefined) parts.push({ kind: 'sn' });
    else if (name === 'date') {
      if (!arg || !/^(YYYY|YY|MM|DD)+$/.test(arg)) bad(`{date:${arg ?? ''}}: use YY, YYYY, MM and DD, e.g. {date:YYMMDD}`);
      parts.push({ kind: 'date', format: arg! });
    } else if (name === 'seq') {
      const n = Number(arg);
      if (!arg || !/^\d+$/.test(arg) || n < 1 || n > 12) bad(`{seq:${arg ?? ''}}: the digits must be 1-12, e.g. {seq:6}`);
      parts.push({ kind: 'seq', digits: n });
    } else bad(`unknown token ${m[0]}`);
  }
  if (last < source.length) parts.push({ kind: 'text', text: source.slice(last) });
  for (const p of parts) {
    if (p.kind === 'text' && !/^[0-9A-Za-z_-]+$/.test(p.text)) bad(`"${p.text}" holds characters a device id cannot (only 0-9 A-Z a-z _ -)`);
  }
  const seqs = parts.filter((p): p is Extract<Part, { kind: 'seq' }> => p.kind === 'seq');
  if (seqs.length > 1) bad('{seq:N} may appear once');
  const has = (k: Part['kind']) => parts.some((p) => p.kind === k);
  // Without one of these, every render is the same id: the second unit would collide.
  if (!has('seq') && !has('hwid') && !has('sn')) bad('it needs {seq:N}, {hwid} or {sn} so that each device gets its own id');
  // Sequences count per station: without the station code in the id, two stations offline
  // at the same time would mint the same ids.
  if (has('seq') && !has('station')) bad('{seq:N} counts per station, so the template needs {station} too');
  return { source, parts, seqDigits: seqs[0]?.digits, needs: { station: has('station'), hwid: has('hwid'), sn: has('sn') } };
}

export interface RenderValues {
  station?: string;
  date: Date;
  seq?: number;
  hwid?: string;
  sn?: string;
}

const clean = (v: string) => v.replace(/[^0-9A-Za-z_-]/g, '');

function formatDate(d: Date, format: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return format.replace(/YYYY|YY|MM|DD/g, (t) =>
    t === 'YYYY' ? String(d.getFullYear()) : t === 'YY' ? pad(d.getFullYear() % 100) : t === 'MM' ? pad(d.getMonth() + 1) : pad(d.getDate()),
  );
}

export function renderTemplate(t: Template, v: RenderValues): string {
  const need = (name: string, value: string | undefined, hint: Words): string => {
    if (!value) throw new WxError('TEMPLATE_NEEDS_VALUE', { token: `{${name}}`, hint });
    return value;
  };
  const out = t.parts
    .map((p) => {
      switch (p.kind) {
        case 'text':
          return p.text;
        case 'station':
          return need('station', v.station, { zh: '在设置页填写工位编号', en: 'set the station code on the setup screen' });
        case 'date':
          return formatDate(v.date, p.format);
        case 'seq': {
          const s = String(v.seq ?? 0);
          if (s.length > p.digits) throw new WxError('SEQUENCE_EXHAUSTED', { digits: p.digits });
          return s.padStart(p.digits, '0');
        }
        case 'hwid':
          return need('hwid', v.hwid && clean(v.hwid), { zh: '硬件号由设备在连接时报告', en: 'the unit reports its hwid on HELLO' });
        case 'sn':
          return need('sn', v.sn && clean(v.sn), { zh: '先扫描设备条码', en: 'scan the unit barcode first' });
      }
    })
    .join('');
  const problem = deviceIdProblem(out);
  if (problem) throw new WxError('TEMPLATE_INVALID', { detail: `it renders "${out}": ${problem}` });
  return out;
}
