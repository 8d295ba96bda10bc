/** Today on this station: units, passes, failures, pass rate, and registrations still queued — one row, so the tiles keep the height. */
import { Flex } from 'antd';
import type { LineStatus } from '../../../../preload/contract';
import { useT } from '../../i18n';

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
    <Flex gap={8} wrap>
      {cells.map((c) => (
        <Flex key={c.id} align="baseline" gap={8} style={{ flex: '1 1 0', minWidth: 150, background: '#fff', border: '1px solid #f0f0f0', borderRadius: 8, padding: '2px 12px' }}>
          <span style={{ color: '#8c8c8c', whiteSpace: 'nowrap' }}>{c.title}</span>
          <span style={{ color: c.color, fontSize: 24, fontWeight: 700, lineHeight: 1.3 }}>
            <span data-testid={c.id}>{c.value}</span>
            {c.suffix}
          </span>
        </Flex>
      ))}
    </Flex>
  );
}
