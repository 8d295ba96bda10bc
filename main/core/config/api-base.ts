import { WxError } from '../errors/wx-error.js';

export const DEFAULT_API_BASE = 'https://api.weixin.qq.com';
export const API_BASE_ALLOWED = 'http(s)://host[:port]';

/**
 * The one check for where the WMPF API is, for WXPROV_API_BASE and for the app's setting:
 * empty means the official one; otherwise an http(s) URL, kept without trailing slashes
 * (paths are joined onto it). `name` is what the error calls it.
 */
export function parseApiBase(raw: string | undefined, name: string): string {
  const apiBase = (raw?.trim() || DEFAULT_API_BASE).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new WxError('CONFIG_INVALID', { name, detail: apiBase, allowed: API_BASE_ALLOWED });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WxError('CONFIG_INVALID', { name, detail: apiBase, allowed: API_BASE_ALLOWED });
  }
  return apiBase;
}
