import { describe, expect, it } from 'vitest';
import { CODES } from '../../main/core/errors/codes.js';
import { codeForErrcode, errcodeError, ERRCODE_TO_CODE, extractIp } from '../../main/core/wechat/errcodes.js';

describe('errcode table', () => {
  // The platform's documented errcodes (../shared/wmpf-facts.md), each worth a clear message.
  const DOCUMENTED = [-1, 40001, 40013, 40014, 40125, 40164, 40243, 41001, 42001, 45009, 48001, 50093, 40101, 45002, 48012];

  it('gives every documented errcode its own words, in zh and en, never the generic "error N"', () => {
    const generic = errcodeError(12345, 'x');
    expect(generic.code).toBe('WX_PLATFORM_ERROR');
    expect(generic.message).toContain('12345');
    const seen = new Set<string>();
    for (const n of DOCUMENTED) {
      const e = errcodeError(n, 'platform text').toPayload();
      expect(e.code, `errcode ${n}`).not.toBe('WX_PLATFORM_ERROR');
      for (const text of [e.message_zh, e.message_en, e.hint_zh, e.hint_en]) expect(text.trim(), `errcode ${n}`).not.toBe('');
      expect(e.message_en).not.toMatch(/answered error/);
      seen.add(e.code);
    }
    // Distinct problems stay distinct for the operator (one code may serve two errcodes: 40001/40125).
    expect(seen.size).toBeGreaterThanOrEqual(DOCUMENTED.length - 1);
  });

  it('the errcodes the station acts on map to the codes its rules key on', () => {
    // The quota pause, the split on a bad id in a batch, the one token refresh, and push results.
    expect(codeForErrcode(45009)).toBe('WX_QUOTA_EXCEEDED');
    expect(codeForErrcode(40097)).toBe('WX_INVALID_ARGS');
    expect(codeForErrcode(42001)).toBe('WX_TOKEN_EXPIRED');
    expect(codeForErrcode(45002)).toBe('WX_PUSH_TOO_LONG');
    for (const code of Object.values(ERRCODE_TO_CODE)) expect(CODES[code]).toBeDefined();
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
