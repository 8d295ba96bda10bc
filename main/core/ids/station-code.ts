/**
 * A station code: 1–8 letters or digits. It is part of every templated device id, so it must
 * stay short and safe in an id. The station's setting (registry/settings.ts) and the factory
 * server (which owns the codes of a fleet) apply this one rule.
 */
export const STATION_CODE_RE = /^[0-9A-Za-z]{1,8}$/;
export const STATION_CODE_ALLOWED = '1-8 letters or digits, unique per station (e.g. A1)';
