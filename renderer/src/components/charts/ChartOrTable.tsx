/** A chart and the same numbers as a table, one or the other, switched by the reader. */
import { BarChartOutlined, TableOutlined } from '@ant-design/icons';
import { Card, Segmented } from 'antd';
import { useState, type ReactNode } from 'react';
import { useT } from '../../i18n';

export function ChartOrTable({ testId, title, chart, table }: { testId: string; title: ReactNode; chart: ReactNode; table: ReactNode }) {
  const t = useT();
  const [view, setView] = useState<'chart' | 'table'>('chart');
  return (
    <Card
      size="small"
      title={title}
      data-testid={testId}
      data-view={view}
      extra={
        <Segmented
          data-testid={`${testId}-view`}
          size="small"
          value={view}
          onChange={(v) => setView(v as 'chart' | 'table')}
          options={[
            { value: 'chart', label: <span data-testid={`${testId}-view-chart`}>{t('chart.chart')}</span>, icon: <BarChartOutlined /> },
            { value: 'table', label: <span data-testid={`${testId}-view-table`}>{t('chart.table')}</span>, icon: <TableOutlined /> },
          ]}
        />
      }
    >
      {view === 'chart' ? chart : <div data-testid={`${testId}-table`}>{table}</div>}
    </Card>
  );
}
