import { describe, expect, it } from 'vitest';
import { CODES } from '../../main/core/errors/codes.js';
import { codeForErrcode, errcodeError, ERRCODE_TO_CODE, extractIp } from '../../main/core/wechat/errcodes.js';

describe('errcode table', () => {
  it('maps every documented errcode to its stable code', () => {
    expect(ERRCODE_TO_CODE).toEqual({
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
    });
    for (const code of Object.values(ERRCODE_TO_CODE)) expect(CODES[code]).toBeDefined();
    expect(codeForErrcode(12345)).toBe('WX_PLATFORM_ERROR');
  });

  it('builds errors with errcode, errmsg, and retryable only for -1', () => {
    const busy = errcodeError(-1, 'system error');
    expect([busy.code, busy.errcode, busy.retryable]).toEqual(['WX_SYSTEM_BUSY', -1, true]);
    const other = errcodeError(61000, 'who knows');
    expect([other.code, other.errcode, other.retryable]).toEqual(['WX_PLATFORM_ERROR', 61000, false]);
    expect(other.params).toEqual({ errcode: 61000, errmsg: 'who knows' });
    expect(other.message).toContain('61000');
    expect(errcodeError(40097, 'invalid args: x').params.detail).toBe('invalid args: x');
    expect(errcodeError(48012, 'token tok-123456 invalid', ['tok-123456']).params.errmsg).toBe('token *** invalid');
    expect(errcodeError(40001, undefined).params.errmsg).toBe('');
  });

  it('pulls the caller IP out of the whitelist error', () => {
    expect(extractIp('invalid ip 47.96.1.2 ipv6 ::ffff:47.96.1.2, not in whitelist rid: 1')).toBe('47.96.1.2');
    expect(extractIp('invalid ip 2001:db8::1, not in whitelist')).toBe('2001:db8::1');
    expect(extractIp('not in whitelist')).toBeUndefined();
    const e = errcodeError(40164, 'invalid ip 47.96.1.2 ipv6 ::ffff:47.96.1.2, not in whitelist');
    expect(e.params.ip).toBe('47.96.1.2');
    expect(e.toPayload().hint_zh).toContain('47.96.1.2');
  });
});
