/**
 * The device ledger: search, a virtual table that loads pages while scrolling, CSV export; and
 * beside it the statistics tab (yield, why units fail), mounted when first opened (antd's Tabs
 * render a tab lazily) and kept, like the list and its search, while switching back and forth.
 */
import { SearchOutlined } from '@ant-design/icons';
import { Button, Card, DatePicker, Input, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { ProductFilter, StatusFilter, StatusTag } from '../../components/RecordFilters';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useProducts } from '../../state/useProducts';
import { formatTime } from '../../util/time';
import { ExportButton } from './ExportButton';
import { StatsTab } from './StatsTab';
import { usePagedRecords, type DeviceRow, type RecordQuery } from './usePagedRecords';

type Status = NonNullable<RecordQuery['status']>;

type Range = Parameters<NonNullable<React.ComponentProps<typeof DatePicker.RangePicker>['onChange']>>[0];

/** Near the bottom of the scrolled table, load the next page. */
const NEAR_BOTTOM_PX = 400;

export function RecordsScreen() {
  const t = useT();
  return (
    <Card>
      <Tabs
        items={[
          { key: 'list', label: <span data-testid="records-tab-list">{t('records.tab.list')}</span>, children: <RecordsList /> },
          { key: 'stats', label: <span data-testid="records-tab-stats">{t('records.tab.stats')}</span>, children: <StatsTab /> },
        ]}
      />
    </Card>
  );
}

function RecordsList() {
  const t = useT();
  const { products } = useProducts();
  const { rows, hasMore, loading, searched, error, search, loadMore, shown } = usePagedRecords();
  const [productId, setProductId] = useState<number | undefined>();
  const [deviceId, setDeviceId] = useState('');
  const [hwid, setHwid] = useState('');
  const [status, setStatus] = useState<Status | undefined>();
  const [range, setRange] = useState<Range>(null);

  const query = (): RecordQuery => {
    const [from, to] = range ?? [null, null];
    return {
      ...(productId ? { product_id: productId } : {}),
      ...(deviceId.trim() ? { device_id: deviceId.trim() } : {}),
      ...(hwid.trim() ? { hwid: hwid.trim() } : {}),
      ...(status ? { status } : {}),
      ...(from ? { from: from.startOf('day').toISOString() } : {}),
      // `to` is exclusive: the end of the chosen day.
      ...(to ? { to: to.add(1, 'day').startOf('day').toISOString() } : {}),
    };
  };
  const run = () => void search(query());

  useEffect(() => {
    void search({});
  }, [search]);

  return (
    <>
      <Space wrap style={{ marginBottom: 12 }} align="start">
        <ProductFilter testId="records-product" products={products} value={productId} onChange={setProductId} />
        <Input data-testid="records-device-id" allowClear placeholder={t('records.deviceId')} value={deviceId} onChange={(e) => setDeviceId(e.target.value)} onPressEnter={run} style={{ width: 240 }} maxLength={129} />
        <Input data-testid="records-hwid" allowClear placeholder={t('records.hwid')} value={hwid} onChange={(e) => setHwid(e.target.value)} onPressEnter={run} style={{ width: 200 }} maxLength={128} />
        <StatusFilter testId="records-status" value={status} onChange={setStatus} />
        <DatePicker.RangePicker data-testid="records-dates" value={range} onChange={setRange} />
        <Button data-testid="records-search" type="primary" icon={<SearchOutlined />} onClick={run}>
          {t('records.search')}
        </Button>
        <ExportButton query={shown} />
      </Space>
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
        {t('records.deviceIdHelp')}
      </Typography.Paragraph>
      <ErrorAlert error={error} />
      <div data-testid="records-table">
        <Table<DeviceRow>
          virtual
          size="small"
          rowKey="id"
          loading={loading && rows.length === 0}
          dataSource={rows}
          pagination={false}
          scroll={{ x: 1500, y: 520 }}
          locale={{ emptyText: searched ? t('records.empty') : ' ' }}
          onScroll={(e) => {
            const el = e.currentTarget;
            if (el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX) loadMore();
          }}
          columns={[
            { title: t('records.col.deviceId'), dataIndex: 'device_id', width: 240, fixed: 'left', render: (v: string) => <span style={{ fontFamily: 'monospace' }}>{v}</span> },
            { title: t('records.col.status'), dataIndex: 'status', width: 100, render: (s: Status) => <StatusTag status={s} /> },
            { title: t('records.col.product'), dataIndex: 'product_id', width: 110 },
            { title: t('records.col.hwid'), dataIndex: 'hwid', width: 180, ellipsis: true, render: (v: string | null) => v ?? '—' },
            { title: t('records.col.sn'), dataIndex: 'sn', width: 140, ellipsis: true, render: (v: string | null) => v ?? '—' },
            { title: t('records.col.created'), dataIndex: 'created_at', width: 170, render: formatTime },
            { title: t('records.col.synced'), dataIndex: 'synced_at', width: 170, render: (v: string | null) => (v ? formatTime(v) : <Tag>{t('records.notSynced')}</Tag>) },
            { title: t('records.col.station'), dataIndex: 'station', width: 90 },
            { title: t('records.col.port'), dataIndex: 'port', width: 180, ellipsis: true, render: (v: string | null) => v ?? '—' },
            { title: t('records.col.keyVersion'), dataIndex: 'key_version', width: 90, render: (v: number | null) => v ?? '—' },
            { title: t('records.col.lastError'), dataIndex: 'last_error', width: 220, ellipsis: true, render: (v: string | null) => v ?? '' },
          ]}
        />
      </div>
      <Space style={{ marginTop: 8 }}>
        <Typography.Text data-testid="records-count" type="secondary">
          {t('records.loaded', { n: rows.length })} {hasMore ? t('records.scrollForMore') : searched && !loading ? t('records.allLoaded') : ''}
        </Typography.Text>
        {hasMore && (
          <Button data-testid="records-more" size="small" loading={loading} onClick={loadMore}>
            {t('records.more')}
          </Button>
        )}
      </Space>
    </>
  );
}
