import type { ErrorCode } from '../errors/codes.js';
import { WxError, type ErrorParams } from '../errors/wx-error.js';
import { redactor } from '../log/redact.js';

/**
 * The platform's numeric errcodes mapped to our stable codes. Scripts and the UI match on the
 * stable code, so an errcode we have never seen still gets one (WX_PLATFORM_ERROR) instead
 * of leaking a bare number to the operator.
 */
export const ERRCODE_TO_CODE: Readonly<Record<number, ErrorCode>> = {
  [-1]: 'WX_SYSTEM_BUSY',
  40001: 'WX_BAD_CREDENTIAL',
  40013: 'WX_BAD_APPID',
  40014: 'WX_BAD_TOKEN',
  40125: 'WX_BAD_APPSECRET',
  40164: 'WX_IP_NOT_WHITELISTED',
  40243: 'WX_APPSECRET_FROZEN',
  41001: 'WX_TOKEN_MISSING',
  42001: 'WX_TOKEN_EXPIRED',
  45009: 'WX_QUOTA_EXCEEDED',
  48001: 'WX_API_UNAUTHORIZED',
  50093: 'WX_HOSTAPP_NOT_REGISTERED',
  40101: 'WX_PUSH_BAD_PARAMS',
  45002: 'WX_PUSH_TOO_LONG',
  48012: 'WX_PUSH_TOKEN_INVALID',
  40097: 'WX_INVALID_ARGS',
};

/** The only platform answer worth repeating unchanged: the platform itself says "try later". */
export const ERRCODE_SYSTEM_BUSY = -1;

/** Answers meaning "this token is no good" from a business endpoint: worth one refresh. */
export const TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

export const codeForErrcode = (errcode: number): ErrorCode => ERRCODE_TO_CODE[errcode] ?? 'WX_PLATFORM_ERROR';

// The whitelist error names the caller's address ("invalid ip 1.2.3.4 ipv6 ..."); the
// operator needs exactly that address to fix the whitelist, so it is worth digging out.
const IP_RE = /invalid ip\s+(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:.]+)/i;

export function extractIp(errmsg: string): string | undefined {
  return IP_RE.exec(errmsg)?.[1];
}

/**
 * The WxError for a platform answer. errmsg is platform text we do not control, so it goes
 * through the redactor (and `scrub`, for per-call secrets such as a push_token) before it can
 * reach an error message or a log.
 */
export function errcodeError(errcode: number, rawErrmsg: unknown, scrub: readonly string[] = []): WxError {
  let errmsg = redactor.redact(typeof rawErrmsg === 'string' ? rawErrmsg : '');
  for (const s of scrub) if (s) errmsg = errmsg.split(s).join('***');
  const code = codeForErrcode(errcode);
  const params: ErrorParams = { errcode, errmsg };
  if (code === 'WX_IP_NOT_WHITELISTED') params.ip = extractIp(errmsg);
  if (code === 'WX_INVALID_ARGS') params.detail = errmsg;
  return new WxError(code, params, { errcode, retryable: errcode === ERRCODE_SYSTEM_BUSY });
}
