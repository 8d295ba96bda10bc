/**
 * The fleet ledger: search every station's records (newest first, a page at a time) and
 * export exactly what the last search found, all pages, as CSV. The export link carries the
 * last search's filter, not fields edited since.
 */
import { DownloadOutlined, SearchOutlined } from '@ant-design/icons';
import { Button, DatePicker, Input, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { DeviceStatus, ErrorPayload } from '../../../preload/contract';
import { ErrorAlert } from '../errors';
import { useT } from '../i18n';
import { ProductFilter, StatusFilter, StatusTag } from '../components/RecordFilters';
import { formatTime } from '../util/time';
import { fleetGet, filterParams } from './fleet-api';
import type { FleetFilter, FleetPage, FleetRecord, ProductName } from './types';

type Range = Parameters<NonNullable<React.ComponentProps<typeof DatePicker.RangePicker>['onChange']>>[0];

const PAGE = 100;

export function RecordsView() {
  const t = useT();
  const [products, setProducts] = useState<ProductName[]>([]);
  const [productId, setProductId] = useState<number | undefined>();
  const [station, setStation] = useState('');
  const [status, setStatus] = useState<DeviceStatus | undefined>();
  const [deviceId, setDeviceId] = useState('');
  const [hwid, setHwid] = useState('');
  const [sn, setSn] = useState('');
  const [range, setRange] = useState<Range>(null);
  const [rows, setRows] = useState<FleetRecord[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [shown, setShown] = useState<FleetFilter | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);

  useEffect(() => {
    void fleetGet<{ products: ProductName[] }>('/dashboard/products').then((r) => r.ok && setProducts(r.value.products));
  }, []);

  const page = useCallback(async (filter: FleetFilter, cursor: string | null) => {
    setLoading(true);
    const params = filterParams(filter);
    params.set('limit', String(PAGE));
    if (cursor) params.set('cursor', cursor);
    const r = await fleetGet<FleetPage>('/dashboard/records', params);
    setLoading(false);
    if (!r.ok) return setError(r.error);
    setError(null);
    setShown(filter);
    setRows((had) => (cursor ? [...had, ...r.value.rows] : r.value.rows));
    setNext(r.value.next);
  }, []);

  useEffect(() => void page({}, null), [page]);

  const filter = (): FleetFilter => {
    const [from, to] = range ?? [null, null];
    const f: FleetFilter = {
      product_id: productId,
      station: station.trim() || undefined,
      status,
      device_id: deviceId.trim() || undefined,
      hwid: hwid.trim() || undefined,
      sn: sn.trim() || undefined,
      from: from ? from.startOf('day').toISOString() : undefined,
      // `to` is exclusive: the end of the chosen day.
      to: to ? to.add(1, 'day').startOf('day').toISOString() : undefined,
    };
    return f;
  };
  const search = () => void page(filter(), null);

  return (
    <div>
      <Space wrap style={{ marginBottom: 12 }} align="start">
        <ProductFilter testId="fleet-records-product" products={products} value={productId} onChange={setProductId} />
        <Input data-testid="fleet-records-station" allowClear placeholder={t('records.col.station')} value={station} onChange={(e) => setStation(e.target.value)} onPressEnter={search} style={{ width: 110 }} maxLength={8} />
        <StatusFilter testId="fleet-records-status" value={status} onChange={setStatus} width={130} />
        <Input data-testid="fleet-records-device-id" allowClear placeholder={t('records.deviceId')} value={deviceId} onChange={(e) => setDeviceId(e.target.value)} onPressEnter={search} style={{ width: 260 }} maxLength={129} />
        <Input data-testid="fleet-records-hwid" allowClear placeholder={t('records.hwid')} value={hwid} onChange={(e) => setHwid(e.target.value)} onPressEnter={search} style={{ width: 160 }} maxLength={256} />
        <Input data-testid="fleet-records-sn" allowClear placeholder={t('records.col.sn')} value={sn} onChange={(e) => setSn(e.target.value)} onPressEnter={search} style={{ width: 140 }} maxLength={256} />
        <DatePicker.RangePicker data-testid="fleet-records-dates" value={range} onChange={setRange} />
        <Button data-testid="fleet-records-search" type="primary" icon={<SearchOutlined />} onClick={search} loading={loading}>
          {t('records.search')}
        </Button>
        {shown && (
          <Button data-testid="fleet-export" icon={<DownloadOutlined />} href={`/dashboard/records.csv?${filterParams(shown)}`} download>
            {t('records.export')}
          </Button>
        )}
      </Space>
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
        {t('records.deviceIdHelp')} {t('fleet.records.exportHelp')}
      </Typography.Paragraph>
      <ErrorAlert error={error} />
      <Table<FleetRecord>
        data-testid="fleet-records"
        size="small"
        rowKey="id"
        pagination={false}
        loading={loading && rows.length === 0}
        dataSource={rows}
        scroll={{ x: 1500 }}
        locale={{ emptyText: t('records.empty') }}
        onRow={(r) => ({ 'data-testid': `fleet-record-${r.device_id}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('records.col.deviceId'), dataIndex: 'device_id', width: 220, fixed: 'left', render: (v: string) => <span style={{ fontFamily: 'monospace' }}>{v}</span> },
          { title: t('records.col.station'), dataIndex: 'station', width: 80 },
          { title: t('records.col.status'), dataIndex: 'status', width: 90, render: (s: DeviceStatus) => <StatusTag status={s} /> },
          { title: t('records.col.product'), dataIndex: 'product_id', width: 110 },
          { title: t('records.col.hwid'), dataIndex: 'hwid', width: 170, ellipsis: true, render: (v: string | null) => v ?? '—' },
          { title: t('records.col.sn'), dataIndex: 'sn', width: 130, ellipsis: true, render: (v: string | null) => v ?? '—' },
          { title: t('records.col.created'), dataIndex: 'created_at', width: 170, render: formatTime },
          { title: t('fleet.col.registered'), dataIndex: 'synced_at', width: 170, render: (v: string | null) => (v ? formatTime(v) : <Tag>{t('fleet.notRegistered')}</Tag>) },
          { title: t('records.col.port'), dataIndex: 'port', width: 150, ellipsis: true, render: (v: string | null) => v ?? '—' },
          { title: t('records.col.keyVersion'), dataIndex: 'key_version', width: 80, render: (v: number | null) => v ?? '—' },
          { title: t('records.col.lastError'), dataIndex: 'last_error', width: 220, ellipsis: true, render: (v: string | null) => v ?? '' },
        ]}
      />
      <Space style={{ marginTop: 8 }}>
        <Typography.Text data-testid="fleet-records-count" type="secondary">
          {t('records.loaded', { n: rows.length })} {next ? '' : shown && !loading ? t('records.allLoaded') : ''}
        </Typography.Text>
        {next && shown && (
          <Button data-testid="fleet-records-more" size="small" loading={loading} onClick={() => void page(shown, next)}>
            {t('records.more')}
          </Button>
        )}
      </Space>
    </div>
  );
}
