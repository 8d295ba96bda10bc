/** End-of-line push test, the result sound, engineer mode's idle lock, and the mode chosen at first run. */
import { Button, Card, Form, InputNumber, Popconfirm, Space, Switch, Tag, Typography, type ButtonProps } from 'antd';
import { call } from '../../call';
import { useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';

export function PrefsStep() {
  const t = useT();
  const state = useLoadedState();
  const set = async (prefs: { push_test?: boolean; sound?: boolean; lock_idle_min?: number }) => {
    const s = await call('app.setPrefs', prefs);
    if (s) state.update(s);
  };
  const sim = state.mode === 'simulation';
  const switchMode = async () => {
    const s = await call('app.chooseMode', { mode: sim ? 'real' : 'simulation' });
    if (s) state.update(s);
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Form layout="vertical">
        <Form.Item label={t('prefs.pushTest')} extra={t('prefs.pushTestHelp')}>
          <Switch data-testid="prefs-push-test" checked={state.push_test} onChange={(v) => void set({ push_test: v })} />
        </Form.Item>
        <Form.Item label={t('prefs.sound')} extra={t('prefs.soundHelp')}>
          <Switch data-testid="prefs-sound" checked={state.sound} onChange={(v) => void set({ sound: v })} />
        </Form.Item>
        <Form.Item label={t('prefs.lockIdle')} extra={t('prefs.lockIdleHelp')}>
          <InputNumber
            data-testid="prefs-lock-idle"
            min={1}
            max={240}
            precision={0}
            value={state.lock_idle_min}
            suffix={t('prefs.minutes')}
            onChange={(v) => {
              if (typeof v === 'number' && v >= 1 && v <= 240 && v !== state.lock_idle_min) void set({ lock_idle_min: v });
            }}
          />
        </Form.Item>
        <Typography.Text type="secondary">{t('prefs.note')}</Typography.Text>
      </Form>
      <Card size="small" title={t('prefs.mode')}>
        <Space wrap>
          <Tag color={sim ? 'orange' : 'blue'} data-testid="prefs-mode">
            {sim ? t('prefs.modeSim') : t('prefs.modeReal')}
          </Tag>
          <Popconfirm title={t('prefs.switchConfirm')} onConfirm={() => void switchMode()} okButtonProps={{ 'data-testid': 'mode-switch-confirm' } as ButtonProps}>
            <Button data-testid="mode-switch">{sim ? t('prefs.switchToReal') : t('prefs.switchToSim')}</Button>
          </Popconfirm>
        </Space>
      </Card>
    </Space>
  );
}
