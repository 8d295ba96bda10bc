/** What the platform accepts as a device id: at most 128 bytes of [0-9A-Za-z_-]. */
export const DEVICE_ID_RE = /^[0-9A-Za-z_-]{1,128}$/;
export const DEVICE_ID_ALLOWED = '1-128 of 0-9 A-Z a-z _ -';

/** Why a device id is refused, or undefined when it is fine. */
export function deviceIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'empty';
  if (Buffer.byteLength(id, 'utf8') > 128) return `${Buffer.byteLength(id, 'utf8')} bytes, over 128`;
  const bad = [...id].find((c) => !/[0-9A-Za-z_-]/.test(c));
  if (bad !== undefined) return `character ${JSON.stringify(bad)} is not allowed`;
  return undefined;
}

/** A mini-program AppID: the same rule as every AppID (appid.ts). */
export { APPID_RE as MINI_APPID_RE } from './appid.js';

/** The platform's limit on a push message, in UTF-8 bytes: defined once (CLI, client, simulator, app; the UI gets it in AppState.limits). */
export const PUSH_MSG_MAX_BYTES = 5120;

export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Product ids are positive integers; the platform sometimes sends them as strings. */
export function parseProductId(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v.trim())) {
    const n = Number(v.trim());
    return n > 0 ? n : undefined;
  }
  return undefined;
}
