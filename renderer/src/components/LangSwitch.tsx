import { GlobalOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useLocale } from '../i18n';

/** One click to the other language; the button names the language it switches to. */
export function LangSwitch() {
  const { locale, setLocale } = useLocale();
  const next = locale === 'en' ? 'zh-CN' : 'en';
  return (
    <Button data-testid="lang-switch" data-locale={locale} icon={<GlobalOutlined />} onClick={() => setLocale(next)}>
      {next === 'en' ? 'English' : '中文'}
    </Button>
  );
}
