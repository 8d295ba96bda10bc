/**
 * The factory's MES: where the station asks whether a unit may be written (check) and where it
 * reports each result (report), the token it shows the MES, and what a unit does when the MES
 * cannot be reached. The token's value never comes back to the screen: only where it comes from.
 */
import { Alert, Button, Form, Input, Radio, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import type { ErrorPayload, MesSettingsView } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useBusy } from '../../useBusy';
import { MesOutbox } from './MesOutbox';

/** The variable the station reads the token from (main/core/config/env.ts); a name, not a value. */
const TOKEN_ENV = 'WXPROV_MES_TOKEN';

const urlOk = (s: string) => s.trim() === '' || /^https?:\/\/\S+$/i.test(s.trim());

export function MesStep() {
  const t = useT();
  const [view, setView] = useState<MesSettingsView | null>(null);
  const [checkUrl, setCheckUrl] = useState('');
  const [reportUrl, setReportUrl] = useState('');
  const [offline, setOffline] = useState<'block' | 'allow'>('block');
  const [token, setToken] = useState('');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [saved, setSaved] = useState(false);
  const [saving, run] = useBusy();

  const show = (v: MesSettingsView) => {
    setView(v);
    setCheckUrl(v.check_url ?? '');
    setReportUrl(v.report_url ?? '');
    setOffline(v.offline);
  };
  useEffect(() => {
    void invoke('mes.get').then((r) => (r.ok ? show(r.value) : setError(r.error)));
  }, []);

  /** `token`: a new one typed, null to remove the stored one, undefined to keep it. */
  const save = (tokenChange: string | null | undefined) =>
    run(async () => {
      setError(null);
      setSaved(false);
      const r = await invoke('mes.set', {
        check_url: checkUrl.trim() || null,
        report_url: reportUrl.trim() || null,
        offline,
        ...(tokenChange !== undefined ? { token: tokenChange } : {}),
      });
      if (!r.ok) return setError(r.error);
      setToken('');
      show(r.value);
      setSaved(true);
    });

  const bad = !urlOk(checkUrl) || !urlOk(reportUrl);
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="mes-step">
      <Typography.Paragraph type="secondary">{t('mes.intro')}</Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form layout="vertical" disabled={!view}>
        <Form.Item label={t('mes.checkUrl')} extra={t('mes.checkUrlHelp')} validateStatus={urlOk(checkUrl) ? undefined : 'error'} help={urlOk(checkUrl) ? undefined : t('mes.urlFormat', { example: 'http://mes.factory.local/api' })}>
          <Input data-testid="mes-check-url" value={checkUrl} onChange={(e) => setCheckUrl(e.target.value)} placeholder="http://mes.factory.local/api/route-check" maxLength={2000} />
        </Form.Item>
        <Form.Item label={t('mes.reportUrl')} extra={t('mes.reportUrlHelp')} validateStatus={urlOk(reportUrl) ? undefined : 'error'} help={urlOk(reportUrl) ? undefined : t('mes.urlFormat', { example: 'http://mes.factory.local/api' })}>
          <Input data-testid="mes-report-url" value={reportUrl} onChange={(e) => setReportUrl(e.target.value)} placeholder="http://mes.factory.local/api/results" maxLength={2000} />
        </Form.Item>
        <Form.Item label={t('mes.token')}>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <span data-testid="mes-token-state" data-from={view?.token ?? ''}>
              {view?.token === 'environment' ? (
                <Tag color="blue">{t('mes.tokenEnv', { name: TOKEN_ENV })}</Tag>
              ) : view?.token === 'stored' ? (
                <Tag color="green">{t('mes.tokenStored')}</Tag>
              ) : (
                <Tag>{t('mes.tokenNone')}</Tag>
              )}
            </span>
            {view?.token === 'environment' ? (
              <Typography.Text type="secondary">{t('mes.tokenEnvHelp')}</Typography.Text>
            ) : (
              <Space.Compact style={{ width: '100%' }}>
                <Input.Password
                  data-testid="mes-token"
                  value={token}
                  onChange={(e) => setToken(e.target.value)}
                  placeholder={view?.token === 'stored' ? t('mes.tokenKeepPlaceholder') : t('mes.tokenPlaceholder')}
                  autoComplete="off"
                  visibilityToggle={false}
                  maxLength={4096}
                />
                {view?.token === 'stored' && (
                  <Button data-testid="mes-token-remove" danger loading={saving} onClick={() => void save(null)}>
                    {t('mes.tokenRemove')}
                  </Button>
                )}
              </Space.Compact>
            )}
          </Space>
        </Form.Item>
        <Form.Item label={t('mes.offline')}>
          <Radio.Group data-testid="mes-offline" value={offline} onChange={(e) => setOffline(e.target.value as 'block' | 'allow')}>
            <Space orientation="vertical">
              <Radio value="block" data-testid="mes-offline-block">
                <b>{t('mes.offline.block')}</b> — {t('mes.offline.blockHelp')}
              </Radio>
              <Radio value="allow" data-testid="mes-offline-allow">
                <b>{t('mes.offline.allow')}</b> — {t('mes.offline.allowHelp')}
              </Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        <Space>
          <Button data-testid="mes-save" type="primary" loading={saving} disabled={bad} onClick={() => void save(token ? token : undefined)}>
            {t('common.save')}
          </Button>
          {saved && (
            <Typography.Text data-testid="mes-saved" type="success">
              {t('mes.saved')}
            </Typography.Text>
          )}
        </Space>
      </Form>
      {view && !view.check_url && !view.report_url && <Alert type="info" showIcon title={t('mes.notUsed')} />}
      <MesOutbox />
    </Space>
  );
}
