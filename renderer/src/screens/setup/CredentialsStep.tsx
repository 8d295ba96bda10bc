/**
 * The mobile app's AppID and AppSecret. The secret goes to main once and is never shown
 * again: afterwards the screen only says it is saved.
 */
import { CheckCircleOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { useBusy } from '../../useBusy';
import { isHostAppId } from '../../util/validate';
import { ApiBaseField } from './ApiBaseField';

export function CredentialsStep() {
  const t = useT();
  const state = useLoadedState();
  const sim = state.mode === 'simulation';
  const [appid, setAppid] = useState(state.credentials.appid ?? '');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [tested, setTested] = useState(false);
  const [saving, runSave] = useBusy();
  const [testing, runTest] = useBusy();
  const appidOk = isHostAppId(appid);

  const save = () =>
    runSave(async () => {
      setError(null);
      setTested(false);
      const r = await invoke('credentials.set', { appid, appsecret: secret });
      setSecret('');
      if (!r.ok) return setError(r.error);
      state.update(r.value);
    });

  const test = () =>
    runTest(async () => {
      setError(null);
      setTested(false);
      const r = await invoke('credentials.test');
      if (!r.ok) return setError(r.error);
      setTested(true);
    });

  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{t('cred.intro')}</Typography.Paragraph>
      {sim && <Alert type="info" showIcon title={t('cred.simNotNeeded')} />}
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form layout="vertical" disabled={sim}>
        <Form.Item label={t('cred.appid')} help={appid && !appidOk ? t('cred.appidFormat') : undefined} validateStatus={appid && !appidOk ? 'error' : undefined}>
          <Input data-testid="cred-appid" value={appid} onChange={(e) => setAppid(e.target.value.trim())} placeholder="wx0123456789abcdef" maxLength={18} />
        </Form.Item>
        <Form.Item label={t('cred.secret')} extra={t('cred.secretHelp')}>
          <Input.Password
              data-testid="cred-secret"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
              placeholder={state.credentials.has_secret ? t('cred.secretSavedPlaceholder') : t('cred.secretPlaceholder')}
              autoComplete="off"
              visibilityToggle={false}
            />
        </Form.Item>
        <Space>
          <Button data-testid="cred-save" type="primary" loading={saving} disabled={!appidOk || !secret} onClick={() => void save()}>
            {t('cred.save')}
          </Button>
          {state.credentials.has_secret && (
            <Tag data-testid="cred-saved" color="green" icon={<CheckCircleOutlined />}>
              {t('cred.saved')}
            </Tag>
          )}
        </Space>
      </Form>
      <Space style={{ marginTop: 16 }}>
        <Button data-testid="cred-test" loading={testing} onClick={() => void test()}>
          {t('cred.test')}
        </Button>
        {tested && (
          <Typography.Text data-testid="cred-test-ok" type="success">
            <CheckCircleOutlined /> {t('cred.testOk')}
          </Typography.Text>
        )}
      </Space>
      {!sim && <ApiBaseField />}
    </Space>
  );
}
