/** The operator lock: set or change the PIN, and lock the station to the Line screen. */
import { LockOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { useBusy } from '../../useBusy';
import { isPin } from '../../util/validate';

const digits = (s: string) => s.replace(/\D/g, '').slice(0, 8);

export function LockStep({ onLocked }: { onLocked: () => void }) {
  const t = useT();
  const state = useLoadedState();
  const { message } = App.useApp();
  const [current, setCurrent] = useState('');
  const [pin, setPin] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();
  const [locking, runLock] = useBusy();
  const mismatch = again !== '' && again !== pin;

  const save = () =>
    run(async () => {
      setError(null);
      const r = await invoke('lock.setPin', { pin, ...(state.has_pin ? { current_pin: current } : {}) });
      setCurrent('');
      setPin('');
      setAgain('');
      if (!r.ok) return setError(r.error);
      state.update(r.value);
      message.success(t('lockStep.saved'));
    });

  const lock = () =>
    runLock(async () => {
      setError(null);
      const r = await invoke('lock.lock');
      if (!r.ok) return setError(r.error);
      state.update(r.value);
      onLocked();
    });

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Typography.Paragraph type="secondary">{t('lockStep.intro')}</Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Card size="small" title={state.has_pin ? t('lockStep.change') : t('lockStep.set')}>
        <Form layout="vertical" style={{ maxWidth: 320 }}>
          {state.has_pin && (
            <Form.Item label={t('lockStep.current')}>
              <Input.Password data-testid="lock-current-pin" inputMode="numeric" value={current} onChange={(e) => setCurrent(digits(e.target.value))} autoComplete="off" />
            </Form.Item>
          )}
          <Form.Item label={t('lockStep.newPin')} help={pin && !isPin(pin) ? t('lockStep.format') : undefined} validateStatus={pin && !isPin(pin) ? 'error' : undefined}>
            <Input.Password data-testid="lock-new-pin" inputMode="numeric" value={pin} onChange={(e) => setPin(digits(e.target.value))} autoComplete="off" />
          </Form.Item>
          <Form.Item label={t('lockStep.again')} help={mismatch ? t('lockStep.mismatch') : undefined} validateStatus={mismatch ? 'error' : undefined}>
            <Input.Password data-testid="lock-new-pin-again" inputMode="numeric" value={again} onChange={(e) => setAgain(digits(e.target.value))} autoComplete="off" />
          </Form.Item>
          <Button data-testid="lock-set-pin" type="primary" loading={busy} disabled={!isPin(pin) || again !== pin || (state.has_pin && !current)} onClick={() => void save()}>
            {t('common.save')}
          </Button>
        </Form>
      </Card>
      <Button data-testid="lock-lock" size="large" icon={<LockOutlined />} disabled={!state.has_pin} loading={locking} onClick={() => void lock()}>
        {t('lockStep.lockNow')}
      </Button>
      {!state.has_pin && <Typography.Text type="secondary">{t('lockStep.needPin')}</Typography.Text>}
    </Space>
  );
}
