import { WxError } from '../errors/wx-error.js';
import type { ProductNames } from './product-store.js';

/** The platform's limit on a product name, in characters. */
export const NAME_LIMIT = 64;

export const CREATE_USAGE = 'wxprov product create --en <s> --zh <s> --default-name <s> --model <model_name>';

/**
 * The names createproduct takes, trimmed, each present and within the limit: checked before a
 * rate-limited call is made, on a station and on the factory server alike. The fields are
 * named by the flags that give them.
 */
export function checkNames(input: Partial<ProductNames>): ProductNames {
  const names: ProductNames = {
    english_name: input.english_name?.trim() ?? '',
    chinese_name: input.chinese_name?.trim() ?? '',
    default_name: input.default_name?.trim() ?? '',
    model_name: input.model_name?.trim() ?? '',
  };
  const fields: [keyof ProductNames, string][] = [
    ['english_name', '--en'],
    ['chinese_name', '--zh'],
    ['default_name', '--default-name'],
    ['model_name', '--model'],
  ];
  for (const [k, flag] of fields) {
    const v = names[k];
    if (!v) throw new WxError('INPUT_MISSING', { field: flag, usage: CREATE_USAGE });
    if ([...v].length > NAME_LIMIT) throw new WxError('INPUT_INVALID', { field: flag, detail: `${[...v].length} characters`, allowed: `1-${NAME_LIMIT} characters` });
  }
  return names;
}
