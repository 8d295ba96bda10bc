/** Providers: the station state, the language (ours and antd's), antd's App for notifications. */
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useCallback, useEffect, useState } from 'react';
import type { Locale } from '../../preload/contract';
import { Shell } from './Shell';
import { ConnectionGuard } from './components/ConnectionGuard';
import { invoke } from './call';
import { ErrorHost, showError } from './errors';
import { LocaleProvider } from './i18n';
import { AppStateProvider, useAppState } from './state/app-state';

function WithLocale() {
  const { state, update } = useAppState();
  const [locale, setLocal] = useState<Locale>('zh-CN');
  const stored = state?.locale;

  useEffect(() => {
    if (stored) setLocal(stored);
  }, [stored]);

  useEffect(() => {
    document.documentElement.lang = locale;
    dayjs.locale(locale === 'en' ? 'en' : 'zh-cn');
  }, [locale]);

  const setLocale = useCallback(
    (l: Locale) => {
      setLocal(l);
      void invoke('app.setLocale', { locale: l }).then((r) => (r.ok ? update(r.value) : showError(r.error)));
    },
    [update],
  );

  return (
    <LocaleProvider locale={locale} setLocale={setLocale}>
      <ConfigProvider locale={locale === 'en' ? enUS : zhCN} theme={{ token: { fontSize: 15 } }}>
        <AntApp>
          <ErrorHost />
          <ConnectionGuard>
            <Shell />
          </ConnectionGuard>
        </AntApp>
      </ConfigProvider>
    </LocaleProvider>
  );
}

export function Root() {
  return (
    <AppStateProvider>
      <WithLocale />
    </AppStateProvider>
  );
}
