/**
 * 良率 / Yield: the stations' results logs as the factory server counts them (GET
 * /dashboard/stats, the station's own rules): one station or the whole factory, today or the
 * last 7 / 30 days by hour or by day in this browser's time zone; totals, periods, stations,
 * and why units fail (a Pareto chart over the same rows as its table).
 */
import { ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Col, Row, Segmented, Select, Space, Statistic, Table, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { EChart } from '../components/charts/EChart';
import type { ChartOption } from '../components/charts/echarts-setup';
import { ProductFilter } from '../components/RecordFilters';
import { ErrorAlert } from '../errors';
import { fleetGet } from './fleet-api';
import type { FleetYieldAnswer, ParetoRow, ProductName, StationsAnswer, YieldCounts, YieldPeriod } from './types';
import { usePolled } from './usePolled';
import { useYieldWords, type YieldWord } from './yield-words';
import { rate } from './rate';

type Range = 'today' | 'days7' | 'days30';
type By = 'hour' | 'day';

const browserZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

/** A day in this browser's calendar, `back` days before today, as YYYY-MM-DD. */
function dayBefore(back: number): string {
  const d = new Date();
  d.setDate(d.getDate() - back);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const BACK: Record<Range, number> = { today: 0, days7: 6, days30: 29 };


/** A period's start as the server wrote it (on the zone's clock): its wall time only. */
const periodLabel = (p: YieldPeriod, by: By) => (by === 'hour' ? p.start.slice(0, 16).replace('T', ' ') : p.start.slice(0, 10));

export function YieldView() {
  const { w, step } = useYieldWords();
  const [station, setStation] = useState<string>('');
  const [productId, setProductId] = useState<number | undefined>(undefined);
  const [range, setRange] = useState<Range>('today');
  const [by, setBy] = useState<By>('hour');
  const [stations, setStations] = useState<string[]>([]);
  const [products, setProducts] = useState<ProductName[]>([]);
  const tz = useMemo(browserZone, []);

  useEffect(() => {
    void fleetGet<StationsAnswer>('/dashboard/stations').then((r) => r.ok && setStations(r.value.stations.map((s) => s.station)));
    void fleetGet<{ products: ProductName[] }>('/dashboard/products').then((r) => r.ok && setProducts(r.value.products));
  }, []);

  const load = useCallback(() => {
    const p = new URLSearchParams({ since: dayBefore(BACK[range]), until: dayBefore(0), by, tz });
    if (station) p.set('station', station);
    if (productId !== undefined) p.set('product', String(productId));
    return fleetGet<FleetYieldAnswer>('/dashboard/stats', p);
  }, [station, productId, range, by, tz]);
  const { value, error, loading, reload } = usePolled(load, 30_000);

  const pickRange = (r: Range) => {
    setRange(r);
    setBy(r === 'today' ? 'hour' : 'day');
  };

  const countColumns = <T extends YieldCounts>() => [
    { title: w('units'), dataIndex: 'units', width: 90 },
    { title: w('fpy'), dataIndex: 'fpy', width: 90, render: rate },
    { title: w('firstPass'), dataIndex: 'first_pass', width: 100 },
    { title: w('pass'), dataIndex: 'pass', width: 80 },
    { title: w('fail'), dataIndex: 'fail', width: 80 },
    { title: w('existing'), dataIndex: 'existing', width: 90 },
  ] as { title: string; dataIndex: keyof T & string; width: number; render?: (v: number | null) => string }[];

  const paretoOption = useMemo<ChartOption | null>(() => {
    const rows = value?.pareto ?? [];
    if (rows.length === 0) return null;
    const names = rows.map((r) => `${step(r.step)}${r.code ? ` · ${r.code}` : ''}`);
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: [w('count'), w('cumulative')] },
      grid: { left: 48, right: 48, bottom: 64, top: 36 },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 4 ? 30 : 0 } },
      yAxis: [
        { type: 'value', minInterval: 1 },
        { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      ],
      series: [
        { name: w('count'), type: 'bar', barMaxWidth: 48, data: rows.map((r) => r.count), itemStyle: { color: '#cf1322' } },
        { name: w('cumulative'), type: 'line', yAxisIndex: 1, data: rows.map((r) => Math.round(r.cumulative * 1000) / 10), itemStyle: { color: '#0958d9' } },
      ],
    } as ChartOption;
  }, [value, step, w]);

  const totals = value?.totals;
  const stat = (key: YieldWord, v: string | number, testId: string) => (
    <Col xs={12} sm={8} md={4}>
      <Statistic title={w(key)} value={v} valueRender={() => <span data-testid={testId}>{v}</span>} />
    </Col>
  );

  return (
    <div data-testid="fleet-yield">
      <Space style={{ marginBottom: 12 }} wrap>
        <Select
          data-testid="fleet-yield-station"
          style={{ minWidth: 220 }}
          value={station}
          onChange={(v: string) => setStation(v)}
          options={[{ value: '', label: w('allStations') }, ...stations.map((s) => ({ value: s, label: s }))]}
          aria-label={w('station')}
        />
        <ProductFilter testId="fleet-yield-product" products={products} value={productId} onChange={setProductId} />
        <Segmented
          data-testid="fleet-yield-range"
          value={range}
          onChange={(v) => pickRange(v as Range)}
          options={(['today', 'days7', 'days30'] as Range[]).map((r) => ({ value: r, label: <span data-testid={`fleet-yield-range-${r}`}>{w(r)}</span> }))}
        />
        <Segmented
          data-testid="fleet-yield-by"
          value={by}
          onChange={(v) => setBy(v as By)}
          options={[
            { value: 'hour', label: <span data-testid="fleet-yield-by-hour">{w('byHour')}</span> },
            { value: 'day', label: <span data-testid="fleet-yield-by-day">{w('byDay')}</span> },
          ]}
        />
        <Button size="small" icon={<ReloadOutlined />} loading={loading} onClick={() => void reload()}>
          {w('refresh')}
        </Button>
        <Typography.Text type="secondary">{w('timeZone', { tz })}</Typography.Text>
      </Space>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 12 }}>
        {w('help')}
      </Typography.Paragraph>
      <ErrorAlert error={error} />

      <Card size="small" style={{ marginBottom: 16 }} data-testid="fleet-yield-totals">
        <Row gutter={16}>
          {stat('units', totals?.units ?? 0, 'fleet-yield-units')}
          {stat('fpy', rate(totals?.fpy), 'fleet-yield-fpy')}
          {stat('firstPass', totals?.first_pass ?? 0, 'fleet-yield-first-pass')}
          {stat('pass', totals?.pass ?? 0, 'fleet-yield-pass')}
          {stat('fail', totals?.fail ?? 0, 'fleet-yield-fail')}
          {stat('existing', totals?.existing ?? 0, 'fleet-yield-existing')}
        </Row>
      </Card>

      <Row gutter={16}>
        <Col xs={24} xl={12}>
          <Card size="small" title={w('periods')} style={{ marginBottom: 16 }}>
            <Table<YieldPeriod>
              data-testid="fleet-yield-periods"
              size="small"
              rowKey="start"
              pagination={false}
              scroll={{ y: 360 }}
              dataSource={value?.periods ?? []}
              locale={{ emptyText: w('noUnits') }}
              columns={[{ title: w('period'), dataIndex: 'start', width: 150, render: (_: string, p: YieldPeriod) => periodLabel(p, value?.by ?? by) }, ...countColumns<YieldPeriod>()]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card size="small" title={station ? w('slots') : w('stations')} style={{ marginBottom: 16 }}>
            {station ? (
              <Table<YieldCounts & { slot: string }>
                data-testid="fleet-yield-slots"
                size="small"
                rowKey="slot"
                pagination={false}
                dataSource={value?.slots ?? []}
                locale={{ emptyText: w('noUnits') }}
                columns={[{ title: w('slot'), dataIndex: 'slot', width: 160 }, ...countColumns<YieldCounts & { slot: string }>()]}
              />
            ) : (
              <Table<YieldCounts & { station: string | null }>
                data-testid="fleet-yield-stations"
                size="small"
                rowKey={(r) => r.station ?? ''}
                pagination={false}
                dataSource={value?.stations ?? []}
                locale={{ emptyText: w('noUnits') }}
                onRow={(r) => ({ 'data-testid': `fleet-yield-station-${r.station ?? ''}` }) as React.HTMLAttributes<HTMLElement>}
                columns={[
                  {
                    title: w('station'),
                    dataIndex: 'station',
                    width: 100,
                    render: (v: string | null) => (
                      <Button type="link" size="small" style={{ padding: 0 }} onClick={() => v && setStation(v)}>
                        <b>{v ?? '—'}</b>
                      </Button>
                    ),
                  },
                  ...countColumns<YieldCounts & { station: string | null }>(),
                ]}
              />
            )}
          </Card>
        </Col>
      </Row>

      <Card size="small" title={w('pareto')} data-testid="fleet-yield-pareto">
        {paretoOption ? <EChart option={paretoOption} testId="fleet-yield-pareto-chart" label={w('pareto')} style={{ height: 280 }} /> : null}
        <Table<ParetoRow>
          data-testid="fleet-yield-pareto-table"
          size="small"
          rowKey={(r) => `${r.step}/${r.code}`}
          pagination={false}
          dataSource={value?.pareto ?? []}
          locale={{ emptyText: w('noFailures') }}
          onRow={(r) => ({ 'data-testid': `fleet-yield-pareto-${r.step}-${r.code}` }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: w('step'), dataIndex: 'step', width: 160, render: (v: string) => step(v) },
            { title: w('code'), dataIndex: 'code', render: (v: string) => v || '—' },
            { title: w('count'), dataIndex: 'count', width: 90 },
            { title: w('share'), dataIndex: 'share', width: 90, render: rate },
            { title: w('cumulative'), dataIndex: 'cumulative', width: 110, render: rate },
          ]}
        />
      </Card>
    </div>
  );
}
