/**
 * The MES report outbox: what is waiting, what went, the last problem, and 立即发送 (the
 * background worker sends anyway; this is for an engineer who just fixed the address).
 */
import { SendOutlined } from '@ant-design/icons';
import { Button, Card, Descriptions, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { ErrorPayload, MesStatus } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useBusy } from '../../useBusy';
import { formatTime } from '../../util/time';

/** The outbox changes on its own (the worker): look again now and then while the card is open. */
const REFRESH_MS = 10_000;

export function MesOutbox() {
  const t = useT();
  const [status, setStatus] = useState<MesStatus | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [sending, run] = useBusy();

  const load = useCallback(async () => {
    const r = await invoke('mes.status');
    if (r.ok) setStatus(r.value);
    else setError(r.error);
  }, []);
  useEffect(() => {
    void load();
    const every = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(every);
  }, [load]);

  const sendNow = () =>
    run(async () => {
      setError(null);
      const r = await invoke('mes.sync');
      if (r.ok) setStatus(r.value);
      else setError(r.error);
    });

  return (
    <Card size="small" title={t('mes.outbox')} data-testid="mes-outbox">
      <ErrorAlert error={error} onClose={() => setError(null)} />
      {status && (
        <Descriptions size="small" column={2} bordered>
          <Descriptions.Item label={t('mes.pending')}>
            <span data-testid="mes-pending">{status.pending}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('mes.sent')}>
            <span data-testid="mes-sent">{status.sent}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('mes.lastSent')}>
            <span data-testid="mes-last-sent">{formatTime(status.last_sent_at)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('mes.nextAttempt')}>{formatTime(status.next_attempt_at)}</Descriptions.Item>
          <Descriptions.Item label={t('mes.refused')} span={2}>
            <span data-testid="mes-refused">{status.refused}</span>
            {status.refused > 0 && <Typography.Text type="secondary"> {t('mes.refusedHelp')}</Typography.Text>}
          </Descriptions.Item>
          <Descriptions.Item label={t('mes.lastError')} span={2}>
            {/* The MES's own answer or the network's: engineer text, shown as it came. */}
            <span data-testid="mes-last-error" style={{ fontFamily: 'monospace', wordBreak: 'break-word' }}>
              {status.last_error ?? '—'}
            </span>
          </Descriptions.Item>
        </Descriptions>
      )}
      <Button data-testid="mes-sync" icon={<SendOutlined />} loading={sending} onClick={() => void sendNow()} style={{ marginTop: 12 }}>
        {t('mes.sendNow')}
      </Button>
    </Card>
  );
}
