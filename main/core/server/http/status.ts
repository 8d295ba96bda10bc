import type { ErrorCode } from '../../errors/codes.js';

/**
 * The HTTP status each error answers with. The body always carries the stable code (that is
 * what clients act on); the status is for proxies, logs and curl. 4xx: the caller must change
 * something; 5xx: the server or what it depends on (the platform, its database) failed, and
 * the same request may work later.
 */
const EXACT: Partial<Record<ErrorCode, number>> = {
  FLEET_UNAUTHORIZED: 401,
  FLEET_LOGIN_REQUIRED: 401,
  FLEET_LOGIN_WRONG: 401,
  FLEET_LOGIN_THROTTLED: 429,
  FLEET_CROSS_ORIGIN: 403,
  FLEET_DASHBOARD_MISSING: 503,
  FLEET_STATION_REVOKED: 403,
  FLEET_ENROL_REFUSED: 403,
  FLEET_ADMIN_LOCAL_ONLY: 403,
  FLEET_NO_ROUTE: 404,
  FLEET_STATION_NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  FLEET_STATION_EXISTS: 409,
  DEVICE_ID_TAKEN: 409,
  FLEET_REQUEST_REUSED: 409,
  DEVICE_ID_DUPLICATE: 409,
  PRODUCT_CREATE_PENDING: 409,
  KEY_VERSION_EXISTS: 409,
  KEY_REGISTER_UNFINISHED: 409,
  FLEET_BODY_TOO_LARGE: 413,
  FLEET_SERVER_NOT_READY: 503,
  KEY_PASSPHRASE_REQUIRED: 503,
  KEYSTORE_PASSPHRASE_WRONG: 503,
  KEY_UNSEAL_FAILED: 500,
  FLEET_STORE_FAILED: 503,
  // The MES behind the server did not answer: the station applies its offline rule.
  MES_UNREACHABLE: 503,
  SETTING_INVALID: 400,
  PRODUCT_CREATE_OUTCOME_UNKNOWN: 502,
  INTERNAL: 500,
};

export function statusFor(code: ErrorCode): number {
  const exact = EXACT[code];
  if (exact) return exact;
  if (code.startsWith('INPUT_') || code === 'FLEET_BAD_REQUEST' || code === 'TEMPLATE_INVALID') return 400;
  if (code.startsWith('WX_') || code.startsWith('NET_')) return 502;
  if (code.startsWith('CONFIG_')) return 503;
  return 422;
}
