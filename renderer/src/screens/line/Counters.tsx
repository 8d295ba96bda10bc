/** Today on this station: units, passes, failures, pass rate, and registrations still queued. */
import { Card, Col, Row, Statistic } from 'antd';
import type { ReactNode } from 'react';
import type { LineStatus } from '../../../../preload/contract';
import { useT } from '../../i18n';

const wrap = (id: string) => (node: ReactNode) => <span data-testid={id}>{node}</span>;

export function Counters({ status }: { status: LineStatus }) {
  const t = useT();
  const { total, pass, fail } = status.today;
  const decided = pass + fail;
  const rate = decided > 0 ? Math.round((pass / decided) * 1000) / 10 : null;
  const cells: { id: string; title: string; value: number | string; color?: string; suffix?: string }[] = [
    { id: 'line-total', title: t('counters.total'), value: total },
    { id: 'line-pass', title: t('counters.pass'), value: pass, color: '#389e0d' },
    { id: 'line-fail', title: t('counters.fail'), value: fail, color: '#cf1322' },
    { id: 'line-rate', title: t('counters.rate'), value: rate ?? '—', suffix: rate === null ? undefined : '%' },
    { id: 'line-queue', title: t('counters.queue'), value: status.queue.pending },
  ];
  return (
    <Row gutter={12}>
      {cells.map((c) => (
        <Col key={c.id} flex={1}>
          <Card size="small">
            <Statistic title={c.title} value={c.value} suffix={c.suffix} valueRender={wrap(c.id)} styles={{ content: { color: c.color, fontSize: 30, fontWeight: 700 } }} />
          </Card>
        </Col>
      ))}
    </Row>
  );
}
