/** Counts per slot or per station: one row each, the same columns as the totals. */
import { Card, Table } from 'antd';
import type { YieldCounts } from '../../../../preload/contract';
import { useT } from '../../i18n';
import { percent } from '../../util/yield-format';

/** `key`: what the log says (unique); `name`: what the reader knows it by. */
type Row = YieldCounts & { key: string; name: string };

export function YieldTable({ testId, title, nameTitle, rows }: { testId: string; title: string; nameTitle: string; rows: Row[] }) {
  const t = useT();
  return (
    <Card size="small" title={title}>
      <Table<Row>
        data-testid={testId}
        size="small"
        pagination={false}
        rowKey="key"
        dataSource={rows}
        locale={{ emptyText: t('stats.noUnits') }}
        columns={[
          { title: nameTitle, dataIndex: 'name' },
          { title: t('yield.units'), dataIndex: 'units', align: 'right' },
          { title: t('yield.pass'), dataIndex: 'pass', align: 'right' },
          { title: t('yield.fail'), dataIndex: 'fail', align: 'right' },
          { title: t('yield.existing'), dataIndex: 'existing', align: 'right' },
          { title: t('yield.fpy'), dataIndex: 'fpy', align: 'right', render: percent },
        ]}
      />
    </Card>
  );
}
