/** The range's totals in one row: units, PASS, FAIL, EXISTING and the first-pass rate. */
import { Card, Col, Row, Statistic } from 'antd';
import type { YieldCounts } from '../../../../preload/contract';
import { useT, type MessageKey } from '../../i18n';
import { percent } from '../../util/yield-format';

export function StatsTotals({ totals }: { totals: YieldCounts }) {
  const t = useT();
  const cells: { id: string; title: MessageKey; value: string | number; color?: string }[] = [
    { id: 'units', title: 'yield.units', value: totals.units },
    { id: 'pass', title: 'yield.pass', value: totals.pass, color: '#389e0d' },
    { id: 'fail', title: 'yield.fail', value: totals.fail, color: '#cf1322' },
    { id: 'existing', title: 'yield.existing', value: totals.existing, color: '#0958d9' },
    { id: 'fpy', title: 'yield.fpy', value: percent(totals.fpy) },
  ];
  return (
    <Row gutter={12}>
      {cells.map((c) => (
        <Col key={c.id} flex="1 1 0">
          <Card size="small">
            <Statistic title={t(c.title)} value={c.value} styles={{ content: { color: c.color } }} valueRender={(node) => <span data-testid={`stats-total-${c.id}`}>{node}</span>} />
          </Card>
        </Col>
      ))}
    </Row>
  );
}
