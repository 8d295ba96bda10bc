/** The server's registration queue (adddevice for the whole fleet): what waits, what was refused, and why it stopped if it did. */
import { Alert, Descriptions } from 'antd';
import { ErrorAlert } from '../errors';
import { useT } from '../i18n';
import { formatTime } from '../util/time';
import { fleetGet } from './fleet-api';
import type { QueueAnswer } from './types';
import { usePolled } from './usePolled';

const load = () => fleetGet<QueueAnswer>('/dashboard/queue');

export function QueueView() {
  const t = useT();
  const { value: q, error } = usePolled(load);
  return (
    <div>
      <ErrorAlert error={error} />
      {q?.paused_until && <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="fleet-queue-paused" title={t('fleet.queue.paused', { until: formatTime(q.paused_until) })} />}
      {q && (
        <Descriptions bordered size="small" column={1} style={{ maxWidth: 720 }}>
          <Descriptions.Item label={t('fleet.queue.pending')}>
            <span data-testid="fleet-queue-pending">{q.pending}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('fleet.queue.failed')}>
            <span data-testid="fleet-queue-failed">{q.failed}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('fleet.queue.oldest')}>{formatTime(q.oldest_pending)}</Descriptions.Item>
          <Descriptions.Item label={t('fleet.queue.lastSuccess')}>{formatTime(q.last_success_at)}</Descriptions.Item>
          <Descriptions.Item label={t('fleet.queue.lastError')}>
            <span data-testid="fleet-queue-last-error">{q.last_error ? `${formatTime(q.last_error_at)} · ${q.last_error}${q.last_errcode !== null ? ` (errcode ${q.last_errcode})` : ''}` : '—'}</span>
          </Descriptions.Item>
        </Descriptions>
      )}
    </div>
  );
}
