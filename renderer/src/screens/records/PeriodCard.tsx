/** Units per hour or day with each period's first-pass rate: the chart, or the same as a table. */
import { Empty, Table } from 'antd';
import { useMemo } from 'react';
import type { YieldPeriod } from '../../../../preload/contract';
import { ChartOrTable } from '../../components/charts/ChartOrTable';
import { EChart } from '../../components/charts/EChart';
import { useT } from '../../i18n';
import { percent, periodLabel } from '../../util/yield-format';
import { periodOption } from './stats-charts';

export function PeriodCard({ periods, by }: { periods: YieldPeriod[]; by: 'hour' | 'day' }) {
  const t = useT();
  const option = useMemo(() => periodOption(periods, by, { units: t('yield.units'), fpy: t('yield.fpy') }), [periods, by, t]);
  const title = by === 'hour' ? t('stats.perHour') : t('stats.perDay');
  return (
    <ChartOrTable
      testId="stats-periods"
      title={title}
      chart={periods.length ? <EChart testId="stats-periods-chart" option={option} label={title} /> : <Empty description={t('stats.noUnits')} />}
      table={
        <Table<YieldPeriod>
          size="small"
          pagination={false}
          rowKey="start"
          dataSource={periods}
          scroll={{ y: 360 }}
          locale={{ emptyText: t('stats.noUnits') }}
          columns={[
            { title: by === 'hour' ? t('yield.hour') : t('stats.day'), dataIndex: 'start', render: (v: string) => periodLabel(v, by) },
            { title: t('yield.units'), dataIndex: 'units', align: 'right' },
            { title: t('yield.pass'), dataIndex: 'pass', align: 'right' },
            { title: t('yield.fail'), dataIndex: 'fail', align: 'right' },
            { title: t('yield.existing'), dataIndex: 'existing', align: 'right' },
            { title: t('yield.fpy'), dataIndex: 'fpy', align: 'right', render: percent },
          ]}
        />
      }
    />
  );
}
