/** Client-side checks that mirror the contract's schemas, for live feedback while typing. */
export const isHostAppId = (s: string): boolean => /^wx[0-9a-f]{16}$/i.test(s);
/** A mini program's AppID: wx + 16 hex digits. */
export const isMiniAppId = (s: string): boolean => /^wx[0-9a-f]{16}$/i.test(s);
export const isStationCode = (s: string): boolean => /^[0-9A-Za-z]{1,8}$/.test(s);
export const isPin = (s: string): boolean => /^\d{4,8}$/.test(s);
export const isDeviceId = (s: string): boolean => /^[0-9A-Za-z_-]{1,128}$/.test(s);
