import { createContext, useCallback, useContext, useMemo, type ReactNode } from 'react';
import type { Locale } from '../../../preload/contract';
import { en } from './en';
import { zhCN } from './zh-CN';

export type MessageKey = keyof typeof zhCN;
export type Params = Record<string, string | number>;
export type TFunction = (key: MessageKey, params?: Params) => string;

const DICTS: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

/** Fills `{name}` placeholders. */
export function format(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  return format(DICTS[locale][key] ?? key, params);
}

interface LocaleValue {
  locale: Locale;
  setLocale: (l: Locale) => void;
}

const LocaleContext = createContext<LocaleValue>({ locale: 'zh-CN', setLocale: () => {} });

export function LocaleProvider({ locale, setLocale, children }: LocaleValue & { children: ReactNode }) {
  const value = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export const useLocale = (): LocaleValue => useContext(LocaleContext);

/** `t(key, params)` in the current language. */
export function useT(): TFunction {
  const { locale } = useLocale();
  return useCallback((key, params) => translate(locale, key, params), [locale]);
}
