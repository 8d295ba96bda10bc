import { Button, Input, Modal, Space, Typography } from 'antd';
import { useRef, useState, type KeyboardEvent } from 'react';
import type { ErrorPayload } from '../../../preload/contract';
import { invoke } from '../call';
import { ErrorAlert } from '../errors';
import { useT } from '../i18n';
import { useAppState } from '../state/app-state';
import { useBusy } from '../useBusy';
import { ScannerBurst } from '../util/scanner-burst';

/**
 * Asks for the operator-lock PIN (`lock.unlock`) before an engineer screen opens. A barcode
 * scanned while it is open (the operator's next unit) is thrown away, never sent as a PIN:
 * it would count as a wrong try.
 */
export function PinPrompt({ open, onCancel, onUnlocked }: { open: boolean; onCancel: () => void; onUnlocked: () => void }) {
  const t = useT();
  const { update } = useAppState();
  const [pin, setPin] = useState('');
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [wrong, setWrong] = useState(false);
  const [scanned, setScanned] = useState(false);
  const [busy, run] = useBusy();
  const burst = useRef(new ScannerBurst());

  const close = () => {
    setPin('');
    setError(null);
    setWrong(false);
    setScanned(false);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const verdict = burst.current.key(e.key, e.timeStamp);
    if (verdict === 'burst') {
      e.preventDefault();
      setPin('');
      setScanned(true);
    } else if (verdict === 'enter') {
      e.preventDefault();
      if (pin.length >= 4) void submit();
    } else if (e.key !== 'Shift') setScanned(false);
  };

  const submit = () =>
    run(async () => {
      setError(null);
      setWrong(false);
      setScanned(false);
      const r = await invoke('lock.unlock', { pin });
      if (!r.ok) {
        setPin('');
        return setError(r.error);
      }
      update(r.value);
      if (r.value.locked) {
        setWrong(true);
        setPin('');
        return;
      }
      close();
      onUnlocked();
    });

  return (
    <Modal
      open={open}
      title={t('pin.title')}
      onCancel={() => {
        close();
        onCancel();
      }}
      footer={null}
      destroyOnHidden
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Text>{t('pin.prompt')}</Typography.Text>
        <ErrorAlert error={error} />
        {scanned && (
          <Typography.Text type="warning" data-testid="pin-scan-ignored">
            {t('pin.scanIgnored')}
          </Typography.Text>
        )}
        {wrong && (
          <Typography.Text type="danger" data-testid="pin-wrong">
            {t('pin.wrong')}
          </Typography.Text>
        )}
        <Input.Password
          data-testid="pin-input"
          autoFocus
          inputMode="numeric"
          maxLength={8}
          value={pin}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))}
          onKeyDown={onKeyDown}
          placeholder={t('pin.placeholder')}
          size="large"
        />
        <Button data-testid="pin-submit" type="primary" block size="large" loading={busy} disabled={pin.length < 4} onClick={() => void submit()}>
          {t('pin.submit')}
        </Button>
      </Space>
    </Modal>
  );
}
