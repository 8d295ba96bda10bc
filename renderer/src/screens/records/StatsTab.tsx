/**
 * The records screen's statistics: yield from the results log (every placement, not only the
 * ledger's devices) over a product and dates, by hour or by day. Loads once on opening and on
 * 查询; errors show in place like the records list.
 */
import { SearchOutlined } from '@ant-design/icons';
import { Button, Col, DatePicker, Flex, Row, Segmented, Spin, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { ErrorPayload, Input, YieldStats } from '../../../../preload/contract';
import { invoke } from '../../call';
import { ProductFilter } from '../../components/RecordFilters';
import { ErrorAlert } from '../../errors';
import { useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { useProducts } from '../../state/useProducts';
import { slotName } from '../../util/slot-name';
import { ParetoCard } from './ParetoCard';
import { PeriodCard } from './PeriodCard';
import { StatsTotals } from './StatsTotals';
import { YieldTable } from './YieldTable';

type Range = Parameters<NonNullable<React.ComponentProps<typeof DatePicker.RangePicker>['onChange']>>[0];
type By = 'hour' | 'day';

export function StatsTab() {
  const t = useT();
  const { products } = useProducts();
  const { slots } = useLoadedState();
  const [productId, setProductId] = useState<number | undefined>();
  const [range, setRange] = useState<Range>(null);
  const [by, setBy] = useState<By>('hour');
  const [stats, setStats] = useState<YieldStats | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async (q: Input<'stats.get'>) => {
    setLoading(true);
    setError(null);
    const r = await invoke('stats.get', q);
    setLoading(false);
    if (r.ok) setStats(r.value);
    else setError(r.error);
  }, []);

  const query = (next: { by?: By } = {}): Input<'stats.get'> => {
    const [from, to] = range ?? [null, null];
    return {
      by: next.by ?? by,
      ...(productId ? { product_id: productId } : {}),
      ...(from ? { since: from.startOf('day').toISOString() } : {}),
      // `until` is exclusive: the end of the chosen day.
      ...(to ? { until: to.add(1, 'day').startOf('day').toISOString() } : {}),
    };
  };

  useEffect(() => {
    void load({ by: 'hour' });
  }, [load]);

  return (
    <Flex vertical gap={12} data-testid="stats">
      <Flex wrap gap={8} align="center">
        <ProductFilter testId="stats-product" products={products} value={productId} onChange={setProductId} />
        <DatePicker.RangePicker data-testid="stats-dates" value={range} onChange={setRange} />
        <Segmented<By>
          data-testid="stats-by"
          value={by}
          onChange={(v) => {
            // The period is how the numbers are cut, not a filter: show it at once.
            setBy(v);
            void load(query({ by: v }));
          }}
          options={[
            { value: 'hour', label: <span data-testid="stats-by-hour">{t('stats.byHour')}</span> },
            { value: 'day', label: <span data-testid="stats-by-day">{t('stats.byDay')}</span> },
          ]}
        />
        <Button data-testid="stats-search" type="primary" icon={<SearchOutlined />} loading={loading} onClick={() => void load(query())}>
          {t('records.search')}
        </Button>
      </Flex>
      <Typography.Text type="secondary" style={{ fontSize: 13 }}>
        {t('stats.help')}
      </Typography.Text>
      <ErrorAlert error={error} />
      {!stats ? (
        loading && <Spin />
      ) : (
        <>
          <StatsTotals totals={stats.totals} />
          <ParetoCard rows={stats.pareto} />
          <PeriodCard periods={stats.periods} by={stats.by} />
          <Row gutter={12}>
            <Col span={12}>
              <YieldTable testId="stats-slots" title={t('stats.bySlot')} nameTitle={t('stats.col.slot')} rows={stats.slots.map((s) => ({ ...s, key: s.slot, name: slotName(s.slot, slots) }))} />
            </Col>
            <Col span={12}>
              <YieldTable testId="stats-stations" title={t('stats.byStation')} nameTitle={t('stats.col.station')} rows={stats.stations.map((s) => ({ ...s, key: s.station ?? '', name: s.station ?? '—' }))} />
            </Col>
          </Row>
        </>
      )}
    </Flex>
  );
}
