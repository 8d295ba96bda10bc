/**
 * Compile-time check that both dictionaries have exactly the same keys: adding a text to one
 * language only fails `tsc -p renderer/tsconfig.json`.
 */
import type { en } from './en';
import type { zhCN } from './zh-CN';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type OnlyInZh = Exclude<keyof typeof zhCN, keyof typeof en>;
type OnlyInEn = Exclude<keyof typeof en, keyof typeof zhCN>;

export const keysMatch: Same<keyof typeof zhCN, keyof typeof en> = true;
export const nothingOnlyInZh: [OnlyInZh] extends [never] ? true : OnlyInZh = true;
export const nothingOnlyInEn: [OnlyInEn] extends [never] ? true : OnlyInEn = true;
