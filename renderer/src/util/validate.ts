/** Client-side checks that mirror the contract's schemas, for live feedback while typing. */
/**
 * Every AppID (the hostAppId and a mini program's): a copy of main/core/ids/appid.ts, which the
 * renderer cannot import; test/integration/app-api-base-appid-ports.test.ts holds the two to
 * the same answers.
 */
const APPID_RE = /^wx[0-9a-f]{16}$/i;
export const isAppId = (s: string): boolean => APPID_RE.test(s.trim());
export const isHostAppId = isAppId;
export const isMiniAppId = isAppId;
export const isStationCode = (s: string): boolean => /^[0-9A-Za-z]{1,8}$/.test(s);
export const isPin = (s: string): boolean => /^\d{4,8}$/.test(s);
export const isDeviceId = (s: string): boolean => /^[0-9A-Za-z_-]{1,128}$/.test(s);
