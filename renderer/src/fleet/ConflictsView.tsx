/** Conflicts the server found (an id on two units, a unit on two ids): both sides, as reported, never merged. */
import { Alert, Table, Tag } from 'antd';
import { ErrorAlert } from '../errors';
import { useT } from '../i18n';
import { formatTime } from '../util/time';
import { fleetGet } from './fleet-api';
import type { ConflictRow } from './types';
import { usePolled } from './usePolled';

const load = () => fleetGet<{ total: number; conflicts: ConflictRow[] }>('/dashboard/conflicts');

const side = (product: number, id: string, hwid: string | null, station: string) => (
  <span style={{ fontFamily: 'monospace' }}>
    {station} · {product}/{id} · {hwid ?? '—'}
  </span>
);

export function ConflictsView() {
  const t = useT();
  const { value, error } = usePolled(load, 30_000);
  return (
    <div>
      <ErrorAlert error={error} />
      {value && value.total === 0 && <Alert type="success" showIcon title={t('fleet.conflicts.none')} data-testid="fleet-conflicts-none" />}
      {value && value.total > 0 && (
        <>
          <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('fleet.conflicts.total', { n: value.total })} description={t('fleet.conflicts.help')} />
          <Table<ConflictRow>
            data-testid="fleet-conflicts"
            size="small"
            rowKey="id"
            pagination={{ pageSize: 50 }}
            dataSource={value.conflicts}
            columns={[
              { title: t('fleet.col.kind'), dataIndex: 'kind', width: 150, render: (k: ConflictRow['kind']) => <Tag color="red">{t(k === 'id_two_units' ? 'fleet.conflict.idTwoUnits' : 'fleet.conflict.hwidTwoIds')}</Tag> },
              { title: t('fleet.col.held'), key: 'held', render: (_: unknown, c) => side(c.product_id, c.device_id, c.hwid, c.station) },
              { title: t('fleet.col.reported'), key: 'reported', render: (_: unknown, c) => side(c.other_product_id, c.other_device_id, c.other_hwid, c.other_station) },
              { title: t('fleet.col.firstSeen'), dataIndex: 'first_seen', width: 170, render: formatTime },
              { title: t('fleet.col.seen'), dataIndex: 'seen', width: 80 },
            ]}
          />
        </>
      )}
    </div>
  );
}
