import path from 'node:path';
import { WxError } from '../errors/wx-error.js';

/** How `key create` / `key import` name a token: the module (its PKCS#11 driver), and the token by label or serial. */
export interface TokenChoice {
  module: string;
  token_label?: string;
  token_serial?: string;
}

/**
 * The token a key is made in or found in, from what was given (CLI flags or a request's
 * fields, named as the caller knows them); nothing given: no token (a sealed key). The module
 * must be an absolute path (a bare name would be looked up wherever the loader looks), and the
 * token is named one way, not two.
 */
export function parseTokenChoice(
  given: { module?: string; label?: string; serial?: string },
  names: { module: string; label: string; serial: string },
  usage: string,
): TokenChoice | undefined {
  const { module, label, serial } = given;
  if (module === undefined) {
    if (label !== undefined || serial !== undefined) throw new WxError('INPUT_MISSING', { field: names.module, usage });
    return undefined;
  }
  if (!path.isAbsolute(module)) throw new WxError('INPUT_INVALID', { field: names.module, detail: module, allowed: "the absolute path of the token's PKCS#11 driver, e.g. /usr/lib/softhsm/libsofthsm2.so" });
  if ((label === undefined) === (serial === undefined)) {
    throw new WxError('INPUT_INVALID', { field: `${names.label} | ${names.serial}`, detail: label === undefined ? 'neither given' : 'both given', allowed: 'one of them' });
  }
  return { module, ...(label !== undefined ? { token_label: label } : { token_serial: serial }) };
}
