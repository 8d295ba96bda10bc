import { CODES, type CodeText, type ErrorCode } from './codes.js';

/** A parameter said in each language: a word the zh text must not show in English ('the slots'). */
export interface Words {
  zh: string;
  en: string;
}

export type ErrorParam = string | number | undefined | Words;
export type ErrorParams = Record<string, ErrorParam>;

/** The shape every error takes when it leaves a process or is printed. */
export interface ErrorPayload {
  code: ErrorCode;
  errcode?: number;
  message_zh: string;
  message_en: string;
  /** What the operator does next: never a command or an environment variable. */
  hint_zh: string;
  hint_en: string;
  /** For engineers only (commands, variables, firmware detail): the UI shows it behind 详情, the CLI prints it. */
  engineer_zh?: string;
  engineer_en?: string;
  params?: ErrorParams;
}

type Lang = 'zh' | 'en';

const said = (v: ErrorParam, lang: Lang): string => (v === undefined ? '' : typeof v === 'object' ? v[lang] : String(v));

/**
 * Fills `{name}` from the params this error was given, and only from them: other braces are
 * text the reader needs as written, such as the template tokens a hint suggests
 * (`FR{station}{date:YYMMDD}{seq:6}`).
 */
const fill = (template: string, params: ErrorParams, lang: Lang): string =>
  template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? said(params[name], lang) : whole));

/**
 * The one error type the core throws on purpose. Anything else that escapes is a defect and
 * is wrapped as INTERNAL at the edge (see toPayload).
 */
export class WxError extends Error {
  readonly code: ErrorCode;
  readonly errcode?: number;
  readonly params: ErrorParams;
  /** Safe to try the same call again later (network faults, platform busy). */
  readonly retryable: boolean;

  constructor(code: ErrorCode, params: ErrorParams = {}, opts: { errcode?: number; retryable?: boolean; cause?: unknown } = {}) {
    super(fill(CODES[code].en, params, 'en'), { cause: opts.cause });
    this.name = 'WxError';
    this.code = code;
    this.errcode = opts.errcode;
    this.params = params;
    this.retryable = opts.retryable ?? false;
  }

  toPayload(): ErrorPayload {
    const text: CodeText = CODES[this.code];
    return {
      code: this.code,
      ...(this.errcode !== undefined ? { errcode: this.errcode } : {}),
      message_zh: fill(text.zh, this.params, 'zh'),
      message_en: fill(text.en, this.params, 'en'),
      hint_zh: fill(text.hint_zh, this.params, 'zh'),
      hint_en: fill(text.hint_en, this.params, 'en'),
      ...(text.engineer ? { engineer_zh: fill(text.engineer.zh, this.params, 'zh'), engineer_en: fill(text.engineer.en, this.params, 'en') } : {}),
      params: this.params,
    };
  }
}

export const isWxError = (e: unknown): e is WxError => e instanceof WxError;

/** Any thrown value as a payload; unknown exceptions become INTERNAL without their stack. */
export function toPayload(e: unknown): ErrorPayload {
  if (isWxError(e)) return e.toPayload();
  const detail = e instanceof Error ? e.message : String(e);
  return new WxError('INTERNAL', { detail }).toPayload();
}

/** One line for a terminal: code, platform errcode, message, what to do and the engineer's detail, in both languages. */
export function formatErrorLine(p: ErrorPayload, lang: 'zh' | 'en' | 'both' = 'both'): string {
  const head = `error ${p.code}${p.errcode !== undefined ? ` (errcode ${p.errcode})` : ''}`;
  const en = `${p.message_en}. ${p.hint_en}${p.engineer_en ? `. ${p.engineer_en}` : ''}`;
  const zh = `${p.message_zh}。${p.hint_zh}${p.engineer_zh ? `。${p.engineer_zh}` : ''}`;
  const body = lang === 'en' ? en : lang === 'zh' ? zh : `${en} | ${zh}`;
  return `${head}: ${body}`.replace(/[\r\n]+/g, ' ');
}
