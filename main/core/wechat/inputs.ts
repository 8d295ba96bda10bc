import { WxError } from '../errors/wx-error.js';
import { deviceIdProblem, MINI_APPID_RE, PUSH_MSG_MAX_BYTES, utf8Bytes } from '../ids/validate.js';

/**
 * Checks made before any request. Each one is something the platform would refuse anyway;
 * refusing it here costs no quota, needs no network and gives a clearer message.
 */

export function checkProductId(product_id: number): void {
  if (!Number.isSafeInteger(product_id) || product_id <= 0) {
    throw new WxError('INPUT_INVALID', { field: 'product_id', detail: String(product_id), allowed: 'a positive integer' });
  }
}

export function checkNonEmpty(field: string, value: unknown, usage: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw new WxError('INPUT_MISSING', { field, usage });
}

export function checkMiniAppid(appid: string): void {
  if (!MINI_APPID_RE.test(appid)) throw new WxError('INPUT_BAD_APPID', { appid });
}

export function checkDeviceIds(ids: readonly string[]): void {
  if (ids.length === 0) throw new WxError('INPUT_MISSING', { field: 'device_id_list', usage: 'at least one device id' });
  ids.forEach((id, i) => {
    const problem = typeof id === 'string' ? deviceIdProblem(id) : 'not a string';
    if (problem) throw new WxError('INPUT_BAD_DEVICE_ID', { line: i + 1, detail: `${JSON.stringify(id)}: ${problem}` });
  });
}

export function checkPushMsg(msg: string): void {
  const bytes = utf8Bytes(msg);
  if (bytes > PUSH_MSG_MAX_BYTES) throw new WxError('INPUT_MSG_TOO_LARGE', { bytes });
}
