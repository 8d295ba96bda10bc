/** Why units fail, most common first: the Pareto chart, or the same rows as a table. */
import { Empty, Table } from 'antd';
import { useMemo } from 'react';
import type { ParetoRow, Step } from '../../../../preload/contract';
import { ChartOrTable } from '../../components/charts/ChartOrTable';
import { EChart } from '../../components/charts/EChart';
import { useT } from '../../i18n';
import { percent } from '../../util/yield-format';
import { STEP_WORDS } from '../line/words';
import { paretoOption } from './stats-charts';

export function ParetoCard({ rows }: { rows: ParetoRow[] }) {
  const t = useT();
  // The step as the operator knows it from the tiles; a step this screen does not know stays as is.
  const stepWord = useMemo(() => (step: string) => (step in STEP_WORDS ? t(STEP_WORDS[step as Step]) : step), [t]);
  const option = useMemo(() => paretoOption(rows, { count: t('stats.failures'), cumulative: t('stats.cumulative') }, stepWord), [rows, t, stepWord]);
  return (
    <ChartOrTable
      testId="stats-pareto"
      title={t('stats.pareto')}
      chart={rows.length ? <EChart testId="stats-pareto-chart" option={option} label={t('stats.pareto')} /> : <Empty description={t('stats.noFailures')} />}
      table={
        <Table<ParetoRow>
          size="small"
          pagination={false}
          rowKey={(r) => `${r.step}|${r.code}`}
          dataSource={rows}
          locale={{ emptyText: t('stats.noFailures') }}
          columns={[
            { title: t('stats.col.code'), dataIndex: 'code', render: (v: string) => <code data-testid={`stats-pareto-code-${v}`}>{v}</code> },
            { title: t('stats.col.step'), dataIndex: 'step', render: stepWord },
            { title: t('stats.failures'), dataIndex: 'count', align: 'right' },
            { title: t('stats.col.share'), dataIndex: 'share', align: 'right', render: percent },
            { title: t('stats.cumulative'), dataIndex: 'cumulative', align: 'right', render: percent },
          ]}
        />
      }
    />
  );
}
