/**
 * Advanced, real mode: where the WeChat platform API is (a proxy, a test platform). Checked in
 * main by the rule WXPROV_API_BASE follows; the environment, when set, wins and the form says so.
 */
import { Alert, Button, Collapse, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { useBusy } from '../../useBusy';

export function ApiBaseField() {
  const t = useT();
  const state = useLoadedState();
  const official = state.api_base_official;
  const [value, setValue] = useState(state.api_base_from === 'settings' ? state.api_base : '');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, run] = useBusy();

  const save = (api_base: string | null) =>
    run(async () => {
      setError(null);
      setSaved(false);
      const r = await invoke('app.setApiBase', { api_base });
      if (!r.ok) return setError(r.error);
      state.update(r.value);
      setValue(r.value.api_base_from === 'settings' ? r.value.api_base : '');
      setSaved(true);
    });

  return (
    <Collapse
      size="small"
      defaultActiveKey={state.api_base !== official ? ['api'] : []}
      items={[
        {
          key: 'api',
          label: <span data-testid="api-base-toggle">{t('cred.apiBase')}</span>,
          children: (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Typography.Text type="secondary">{t('cred.apiBaseHelp', { official })}</Typography.Text>
              {state.api_base_from === 'environment' && (
                <Alert data-testid="api-base-env" type="warning" showIcon title={t('cred.apiBaseEnv', { name: 'WXPROV_API_BASE', url: state.api_base })} />
              )}
              <ErrorAlert error={error} onClose={() => setError(null)} />
              <Input data-testid="api-base-input" value={value} onChange={(e) => setValue(e.target.value)} placeholder={official} maxLength={2048} onPressEnter={() => void save(value)} />
              <Space>
                <Button data-testid="api-base-save" type="primary" loading={busy} onClick={() => void save(value)}>
                  {t('cred.apiBaseSave')}
                </Button>
                <Button data-testid="api-base-reset" disabled={busy} onClick={() => void save(null)}>
                  {t('cred.apiBaseReset')}
                </Button>
                {saved && (
                  <Typography.Text data-testid="api-base-saved" type="success">
                    {t('cred.apiBaseSaved')}
                  </Typography.Text>
                )}
              </Space>
            </Space>
          ),
        },
      ]}
    />
  );
}
