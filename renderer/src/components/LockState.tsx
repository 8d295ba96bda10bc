import { LockOutlined, UnlockOutlined } from '@ant-design/icons';
import { Button, Tag, Tooltip } from 'antd';
import { call } from '../call';
import { useT } from '../i18n';
import { useAppState } from '../state/app-state';

/** Locked (operator), unlocked (engineer) or no PIN set; a button to lock again. */
export function LockState({ onLocked }: { onLocked?: () => void }) {
  const t = useT();
  const { state, update } = useAppState();
  if (!state) return null;
  const lockNow = async () => {
    const s = await call('lock.lock');
    if (s) {
      update(s);
      onLocked?.();
    }
  };
  if (!state.has_pin) {
    return (
      <Tooltip title={t('lock.noPinHelp')}>
        <Tag data-testid="lock-state" data-locked="false" icon={<UnlockOutlined />}>
          {t('lock.noPin')}
        </Tag>
      </Tooltip>
    );
  }
  if (state.locked) {
    return (
      <Tag data-testid="lock-state" data-locked="true" color="gold" icon={<LockOutlined />} style={{ fontSize: 14, lineHeight: '26px' }}>
        {t('lock.locked')}
      </Tag>
    );
  }
  return (
    <>
      <Tooltip title={t('lock.idleHelp', { n: state.lock_idle_min })}>
        <Tag data-testid="lock-state" data-locked="false" data-idle-min={state.lock_idle_min} color="green" icon={<UnlockOutlined />} style={{ fontSize: 14, lineHeight: '26px' }}>
          {t('lock.unlocked')}
        </Tag>
      </Tooltip>
      <Button size="small" data-testid="lock-now" icon={<LockOutlined />} onClick={() => void lockNow()}>
        {t('lock.lockNow')}
      </Button>
    </>
  );
}
