/** Every station: online or not, last heard, its uplink backlog as it last said, and today's pass / fail / rate. */
import { ReloadOutlined } from '@ant-design/icons';
import { Button, Space, Table, Tag, Typography } from 'antd';
import { ErrorAlert } from '../errors';
import { useT } from '../i18n';
import { formatTime } from '../util/time';
import { fleetGet } from './fleet-api';
import type { StationSummary, StationsAnswer } from './types';
import { usePolled } from './usePolled';
import { useYieldWords } from './yield-words';
import { rate } from './rate';

const load = () => fleetGet<StationsAnswer>('/dashboard/stations');

export function StationsView() {
  const t = useT();
  const { w } = useYieldWords();
  const { value, error, loading, reload } = usePolled(load);
  const stateTag = (s: StationSummary) => {
    if (s.state === 'revoked') return <Tag>{t('fleet.station.revoked')}</Tag>;
    if (s.state === 'enrolled') return <Tag color="gold">{t('fleet.station.enrolled')}</Tag>;
    return s.online ? <Tag color="green">{t('fleet.station.online')}</Tag> : <Tag color="red">{t('fleet.station.offline')}</Tag>;
  };
  return (
    <div>
      <Space style={{ marginBottom: 12 }} wrap>
        <Typography.Text type="secondary" data-testid="fleet-day">
          {value ? t('fleet.stations.day', { date: value.day.date, minutes: Math.round(value.online_within_s / 60) }) : ''}
        </Typography.Text>
        <Button size="small" icon={<ReloadOutlined />} loading={loading} onClick={() => void reload()}>
          {t('fleet.refresh')}
        </Button>
      </Space>
      <ErrorAlert error={error} />
      <Table<StationSummary>
        data-testid="fleet-stations"
        size="small"
        rowKey="station"
        pagination={false}
        dataSource={value?.stations ?? []}
        locale={{ emptyText: t('fleet.stations.none') }}
        onRow={(s) => ({ 'data-testid': `fleet-station-${s.station}`, 'data-online': String(s.online) }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('records.col.station'), dataIndex: 'station', width: 100, render: (v: string) => <b>{v}</b> },
          { title: t('fleet.col.state'), key: 'state', width: 110, render: (_: unknown, s) => stateTag(s) },
          { title: t('fleet.col.lastContact'), dataIndex: 'last_contact', width: 180, render: (v: string | null) => formatTime(v) },
          {
            title: t('fleet.col.backlog'),
            key: 'backlog',
            width: 200,
            render: (_: unknown, s) => (s.uplink_pending === null ? '—' : <span data-testid={`fleet-backlog-${s.station}`}>{t('fleet.backlog', { n: s.uplink_pending, at: formatTime(s.uplink_reported_at) })}</span>),
          },
          { title: t('fleet.col.pass'), dataIndex: 'pass', width: 90, render: (v: number, s) => <span data-testid={`fleet-pass-${s.station}`}>{v}</span> },
          { title: t('fleet.col.fail'), dataIndex: 'fail', width: 90, render: (v: number, s) => <span data-testid={`fleet-fail-${s.station}`}>{v}</span> },
          { title: t('fleet.col.rate'), dataIndex: 'rate', width: 90, render: rate },
          // From the results log (yield rules): every unit placed today, whatever became of its id.
          { title: w('todayUnits'), dataIndex: 'units_today', width: 100, render: (v: number | undefined, s) => <span data-testid={`fleet-units-today-${s.station}`}>{v ?? '—'}</span> },
          {
            title: w('todayFpy'),
            dataIndex: 'fpy_today',
            width: 110,
            render: (v: number | null | undefined, s) => <span data-testid={`fleet-fpy-today-${s.station}`}>{rate(v)}</span>,
          },
        ]}
      />
    </div>
  );
}
