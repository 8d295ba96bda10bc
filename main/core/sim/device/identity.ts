import { DEVICE_ID_RE, MINI_APPID_RE } from '../../ids/validate.js';
import { IDENTITY_KEYS, type Identity, type IdentityKey } from './types.js';

const RULES: Record<IdentityKey, RegExp> = {
  host_app_id: MINI_APPID_RE,
  product_id: /^[1-9]\d{0,14}$/,
  key_version: /^[1-9]\d{0,8}$/,
  device_id: DEVICE_ID_RE,
  // base64 on one line (DER of an ECDSA signature), padding included
  signature: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/,
};

/**
 * What a WRITE carries, checked as firmware would: all five keys, nothing else, each well
 * formed. Returns the identity, or the `msg=` of a BADARG answer (no spaces).
 */
export function checkWrite(fields: [string, string][]): { identity: Identity } | { problem: string } {
  const given = new Map(fields);
  for (const [k] of fields) if (!(IDENTITY_KEYS as readonly string[]).includes(k)) return { problem: `unknown_key:${k}` };
  for (const k of IDENTITY_KEYS) {
    const v = given.get(k);
    if (v === undefined) return { problem: `missing:${k}` };
    if (!RULES[k].test(v)) return { problem: `malformed:${k}` };
  }
  return { identity: Object.fromEntries(IDENTITY_KEYS.map((k) => [k, given.get(k)!])) as Identity };
}

export const identityFields = (id: Identity | undefined): [string, string][] => (id ? IDENTITY_KEYS.map((k) => [k, id[k]]) : []);
