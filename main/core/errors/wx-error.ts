import { CODES, type ErrorCode } from './codes.js';

export type ErrorParams = Record<string, string | number | undefined>;

/** The shape every error takes when it leaves a process or is printed. */
export interface ErrorPayload {
  code: ErrorCode;
  errcode?: number;
  message_zh: string;
  message_en: string;
  hint_zh: string;
  hint_en: string;
  params?: ErrorParams;
}

const fill = (template: string, params: ErrorParams): string =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params[name];
    return v === undefined ? '' : String(v);
  });

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
    super(fill(CODES[code].en, params), { cause: opts.cause });
    this.name = 'WxError';
    this.code = code;
    this.errcode = opts.errcode;
    this.params = params;
    this.retryable = opts.retryable ?? false;
  }

  toPayload(): ErrorPayload {
    const text = CODES[this.code];
    return {
      code: this.code,
      ...(this.errcode !== undefined ? { errcode: this.errcode } : {}),
      message_zh: fill(text.zh, this.params),
      message_en: fill(text.en, this.params),
      hint_zh: fill(text.hint_zh, this.params),
      hint_en: fill(text.hint_en, this.params),
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

/** One line for a terminal: code, platform errcode, message and what to do, in both languages. */
export function formatErrorLine(p: ErrorPayload, lang: 'zh' | 'en' | 'both' = 'both'): string {
  const head = `error ${p.code}${p.errcode !== undefined ? ` (errcode ${p.errcode})` : ''}`;
  const en = `${p.message_en}. ${p.hint_en}`;
  const zh = `${p.message_zh}。${p.hint_zh}`;
  const body = lang === 'en' ? en : lang === 'zh' ? zh : `${en} | ${zh}`;
  return `${head}: ${body}`.replace(/[\r\n]+/g, ' ');
}
