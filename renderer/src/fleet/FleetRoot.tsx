/**
 * The fleet view: what the same build shows when the factory server serves it (the page
 * carries the `wxprov-shell` flag: main.tsx). Its own providers: no station state, no bridge,
 * the language kept in this browser. A login first, then the dashboard.
 */
import { App as AntApp, ConfigProvider, Layout, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useCallback, useEffect, useState } from 'react';
import type { Locale } from '../../../preload/contract';
import { ErrorHost } from '../errors';
import { LocaleProvider } from '../i18n';
import { FleetShell } from './FleetShell';
import { LoginScreen } from './LoginScreen';
import { fleetGet, whenSignedOut } from './fleet-api';

const LOCALE_KEY = 'wxprov-fleet-locale';

function storedLocale(): Locale {
  try {
    return localStorage.getItem(LOCALE_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

export function FleetRoot() {
  const [locale, setLocal] = useState<Locale>(storedLocale);
  const [signedIn, setSignedIn] = useState<boolean | null>(null);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = locale === 'en' ? 'WMPF factory dashboard' : 'WMPF 工厂看板';
    dayjs.locale(locale === 'en' ? 'en' : 'zh-cn');
  }, [locale]);

  useEffect(() => {
    whenSignedOut(() => setSignedIn(false));
    void fleetGet('/dashboard/session').then((r) => setSignedIn(r.ok));
    return () => whenSignedOut(null);
  }, []);

  const setLocale = useCallback((l: Locale) => {
    setLocal(l);
    try {
      localStorage.setItem(LOCALE_KEY, l);
    } catch {
      // a browser that keeps nothing: the choice lasts for this page
    }
  }, []);

  return (
    <LocaleProvider locale={locale} setLocale={setLocale}>
      <ConfigProvider locale={locale === 'en' ? enUS : zhCN} theme={{ token: { fontSize: 15 } }}>
        <AntApp>
          <ErrorHost />
          {signedIn === null ? (
            <Layout style={{ minHeight: '100vh' }}>
              <Spin size="large" style={{ display: 'block', marginTop: 160 }} />
            </Layout>
          ) : signedIn ? (
            <FleetShell onSignedOut={() => setSignedIn(false)} />
          ) : (
            <LoginScreen onSignedIn={() => setSignedIn(true)} />
          )}
        </AntApp>
      </ConfigProvider>
    </LocaleProvider>
  );
}
