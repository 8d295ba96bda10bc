/** The administrator's password, once per browser session; the server answers a cookie the page never sees. */
import { LockOutlined } from '@ant-design/icons';
import { Button, Card, Form, Input, Layout, Space, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload } from '../../../preload/contract';
import { LangSwitch } from '../components/LangSwitch';
import { ErrorAlert } from '../errors';
import { useT } from '../i18n';
import { useBusy } from '../useBusy';
import { fleetPost } from './fleet-api';

export function LoginScreen({ onSignedIn }: { onSignedIn: () => void }) {
  const t = useT();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();

  const submit = () =>
    run(async () => {
      setError(null);
      const r = await fleetPost<{ ok: true }>('/dashboard/login', { password });
      setPassword('');
      if (r.ok) onSignedIn();
      else setError(r.error);
    });

  return (
    <Layout style={{ minHeight: '100vh', alignItems: 'center', paddingTop: 120 }}>
      <Card data-testid="fleet-login" style={{ width: 420 }} title={<><LockOutlined /> {t('fleet.login.title')}</>} extra={<LangSwitch />}>
        <Typography.Paragraph type="secondary">{t('fleet.login.intro')}</Typography.Paragraph>
        <ErrorAlert error={error} onClose={() => setError(null)} />
        <Form layout="vertical" onFinish={() => password && void submit()}>
          <Form.Item label={t('fleet.login.password')}>
            <Input.Password data-testid="fleet-password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" autoFocus />
          </Form.Item>
          <Space>
            <Button data-testid="fleet-login-submit" type="primary" htmlType="submit" loading={busy} disabled={!password}>
              {t('fleet.login.submit')}
            </Button>
          </Space>
        </Form>
      </Card>
    </Layout>
  );
}
