/** The registration queue: what waits, what went, what the platform refused, and syncing it. */
import { CaretRightOutlined, CloudUploadOutlined, RedoOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Progress, Row, Space, Statistic, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { ErrorPayload, Output, SyncStatus } from '../../../preload/contract';
import { call, invoke } from '../call';
import { ErrorAlert, errorText } from '../errors';
import { useLocale, useT, type MessageKey } from '../i18n';
import { useAppState } from '../state/app-state';
import { useBusy } from '../useBusy';
import { useEvent } from '../useEvent';
import { formatTime } from '../util/time';

const PHASE: Record<SyncStatus['phase'], { key: MessageKey; color: string }> = {
  idle: { key: 'sync.phase.idle', color: 'default' },
  syncing: { key: 'sync.phase.syncing', color: 'processing' },
  retrying: { key: 'sync.phase.retrying', color: 'warning' },
  paused: { key: 'sync.phase.paused', color: 'orange' },
  stopped: { key: 'sync.phase.stopped', color: 'red' },
  offline: { key: 'sync.phase.offline', color: 'orange' },
};

const wrap = (id: string) => (node: ReactNode) => <span data-testid={id}>{node}</span>;

/** The platform's quota day ends at 00:00 Beijing time (UTC+8, no daylight saving): the time it names. */
function beijingTime(iso: string): string {
  const b = new Date(new Date(iso).getTime() + 8 * 3600_000);
  if (Number.isNaN(b.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${b.getUTCFullYear()}-${p(b.getUTCMonth() + 1)}-${p(b.getUTCDate())} ${p(b.getUTCHours())}:${p(b.getUTCMinutes())}`;
}

export function QueueScreen() {
  const t = useT();
  const { locale } = useLocale();
  const { message } = App.useApp();
  const [data, setData] = useState<Output<'queue.status'> | null>(null);
  const [runError, setRunError] = useState<ErrorPayload | null>(null);
  const [syncing, runSync] = useBusy();
  const [retrying, runRetry] = useBusy();
  const [resuming, runResume] = useBusy();
  const locked = useAppState().state?.locked ?? true;

  const load = useCallback(async () => {
    const r = await call('queue.status');
    if (r) setData(r);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useEvent('sync', (sync) => setData({ queue: sync.queue, sync }));

  const syncNow = () =>
    runSync(async () => {
      setRunError(null);
      const r = await invoke('sync.now');
      if (!r.ok) setRunError(r.error);
      else {
        if (r.value.error) setRunError(r.value.error);
        message.info(t('queue.syncResult', { synced: r.value.synced, failed: r.value.failed, pending: r.value.pending }));
      }
      await load();
    });

  const retryFailed = () =>
    runRetry(async () => {
      const r = await call('sync.retryFailed');
      if (r) message.success(t('queue.requeued', { n: r.requeued }));
      await load();
    });

  const resume = () =>
    runResume(async () => {
      const r = await call('queue.resume');
      if (r) message.success(t(r.resumed ? 'queue.resumed' : 'queue.notPaused'));
      setRunError(null);
      // No reload here: the drain starts at once and its `sync` events are the fresher answer;
      // a queue.status read mid-drain could land after them and show the queue as before.
    });

  const q = data?.queue;
  const sync = data?.sync;
  const progress = sync?.progress;
  const pausedUntil = sync?.last_result?.paused_until ?? (sync?.phase === 'paused' ? sync.next_attempt_at : undefined);
  const lastError = sync?.last_error ?? sync?.last_result?.error;

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Row gutter={12}>
        <Col flex={1}>
          <Card size="small">
            <Statistic title={t('queue.pending')} value={q?.pending ?? '—'} valueRender={wrap('queue-pending')} styles={{ content: { fontSize: 32 } }} />
            {q?.oldest && <Typography.Text type="secondary">{t('queue.oldest', { time: formatTime(q.oldest) })}</Typography.Text>}
          </Card>
        </Col>
        <Col flex={1}>
          <Card size="small">
            <Statistic title={t('queue.synced')} value={q?.synced ?? '—'} valueRender={wrap('queue-synced')} styles={{ content: { fontSize: 32, color: '#389e0d' } }} />
          </Card>
        </Col>
        <Col flex={1}>
          <Card size="small">
            <Statistic title={t('queue.failed')} value={q?.failed ?? '—'} valueRender={wrap('queue-failed')} styles={{ content: { fontSize: 32, color: (q?.failed ?? 0) > 0 ? '#cf1322' : undefined } }} />
          </Card>
        </Col>
      </Row>

      <Card size="small">
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Space wrap>
            <Typography.Text>{t('queue.state')}</Typography.Text>
            {sync && (
              <Tag data-testid="sync-phase" data-phase={sync.phase} color={PHASE[sync.phase].color}>
                {t(PHASE[sync.phase].key)}
              </Tag>
            )}
            {sync?.next_attempt_at && sync.phase !== 'paused' && sync.phase !== 'syncing' && (
              <Typography.Text type="secondary">{t('queue.nextAttempt', { time: formatTime(sync.next_attempt_at) })}</Typography.Text>
            )}
          </Space>
          {(sync?.phase === 'syncing' || syncing) && (
            <Progress
              data-testid="sync-progress"
              percent={progress && progress.total > 0 ? Math.round((progress.done / progress.total) * 100) : 0}
              status="active"
              format={() => (progress ? `${progress.done} / ${progress.total}` : '')}
            />
          )}
          {pausedUntil && (
            <Alert
              data-testid="sync-paused"
              type="warning"
              showIcon
              title={t('queue.pausedUntil', { time: formatTime(pausedUntil), beijing: beijingTime(pausedUntil) })}
              description={t('queue.pausedHint')}
              action={
                // Lifting the pause is the engineer's call: hidden behind the lock like setup.
                !locked && (
                  <Button data-testid="sync-resume" size="small" icon={<CaretRightOutlined />} loading={resuming} onClick={() => void resume()}>
                    {t('queue.resume')}
                  </Button>
                )
              }
            />
          )}
          {lastError && !runError && (
            <Alert
              data-testid="sync-last-error"
              type="warning"
              showIcon
              title={t('queue.lastError', { message: errorText(lastError, locale).message })}
              description={errorText(lastError, locale).hint}
            />
          )}
          {/* A pause is already explained above; other errors of this run are shown here. */}
          <ErrorAlert error={runError?.code === 'SYNC_PAUSED' && pausedUntil ? null : runError} onClose={() => setRunError(null)} />
          {sync?.last_result && !lastError && (
            <Typography.Text type="secondary">{t('queue.lastRun', { synced: sync.last_result.synced, failed: sync.last_result.failed })}</Typography.Text>
          )}
          <Space>
            <Button data-testid="sync-now" type="primary" icon={<CloudUploadOutlined />} loading={syncing} onClick={() => void syncNow()}>
              {t('queue.syncNow')}
            </Button>
            <Button data-testid="sync-retry-failed" icon={<RedoOutlined />} loading={retrying} disabled={(q?.failed ?? 0) === 0} onClick={() => void retryFailed()}>
              {t('queue.retryFailed')}
            </Button>
          </Space>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
            {t('queue.help')}
          </Typography.Paragraph>
        </Space>
      </Card>
    </Space>
  );
}
