import { isWxError, type WxError } from '../../main/core/errors/wx-error.js';

/** The WxError a promise rejects with; anything else (or no rejection) fails the test. */
export async function caught(p: Promise<unknown>): Promise<WxError> {
  try {
    await p;
  } catch (e) {
    if (isWxError(e)) return e;
    throw e;
  }
  throw new Error('expected a WxError');
}
