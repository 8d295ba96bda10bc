/**
 * The key store on the setup screen: set the passphrase on first use, give it where no OS
 * keychain unlocks the store at start, or a line saying it is unlocked. The passphrase goes to
 * main once and is cleared here at once; nothing answers it back. Simulation shows nothing.
 */
import { CheckCircleOutlined, LockOutlined } from '@ant-design/icons';
import { Button, Card, Form, Input, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { ErrorPayload } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useAppState, useLoadedState } from '../../state/app-state';
import { useBusy } from '../../useBusy';

/** As main checks it (keystore.setup). */
const MIN = 8;

export function KeystoreCard() {
  const t = useT();
  const state = useLoadedState();
  const { reload } = useAppState();
  const ks = state.keystore;
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();

  if (ks.state === 'simulation') return null;

  const send = (name: 'keystore.setup' | 'keystore.unlock') =>
    run(async () => {
      setError(null);
      const r = await invoke(name, { passphrase });
      setPassphrase('');
      setAgain('');
      if (!r.ok) {
        setError(r.error);
        // Set up or unlocked elsewhere meanwhile (the CLI shares the store): show the prompt that fits now.
        if (r.error.code === 'KEYSTORE_EXISTS' || r.error.code === 'KEYSTORE_NOT_SET_UP') void reload();
        return;
      }
      state.update(r.value);
    });

  if (ks.state === 'unlocked') {
    return (
      <Space data-testid="keystore-unlocked" style={{ marginBottom: 16 }}>
        <Tag color="green" icon={<CheckCircleOutlined />}>
          {t('keystore.unlocked')}
        </Tag>
        <Typography.Text type="secondary">{ks.keychain ? t('keystore.keychainNote') : t('keystore.noKeychainNote')}</Typography.Text>
      </Space>
    );
  }

  const setting = ks.state === 'none';
  const short = setting && passphrase !== '' && passphrase.length < MIN;
  const mismatch = setting && again !== '' && again !== passphrase;
  const ready = setting ? passphrase.length >= MIN && again === passphrase : passphrase !== '';
  return (
    <Card data-testid={setting ? 'keystore-set' : 'keystore-locked'} size="small" style={{ marginBottom: 16 }} title={<><LockOutlined /> {setting ? t('keystore.setTitle') : t('keystore.lockedTitle')}</>}>
      <Typography.Paragraph type="secondary">{setting ? t('keystore.setIntro') : t('keystore.lockedIntro')}</Typography.Paragraph>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form layout="vertical" style={{ maxWidth: 420 }} onFinish={() => ready && void send(setting ? 'keystore.setup' : 'keystore.unlock')}>
        <Form.Item label={t('keystore.passphrase')} help={short ? t('keystore.tooShort', { min: MIN }) : undefined} validateStatus={short ? 'error' : undefined}>
          <Input.Password data-testid="keystore-passphrase" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="off" visibilityToggle={false} />
        </Form.Item>
        {setting && (
          <Form.Item label={t('keystore.passphraseAgain')} help={mismatch ? t('keystore.mismatch') : undefined} validateStatus={mismatch ? 'error' : undefined}>
            <Input.Password data-testid="keystore-passphrase-again" value={again} onChange={(e) => setAgain(e.target.value)} autoComplete="off" visibilityToggle={false} />
          </Form.Item>
        )}
        <Button data-testid={setting ? 'keystore-set-submit' : 'keystore-unlock'} type="primary" htmlType="submit" loading={busy} disabled={!ready}>
          {setting ? t('keystore.set') : t('keystore.unlock')}
        </Button>
      </Form>
    </Card>
  );
}
