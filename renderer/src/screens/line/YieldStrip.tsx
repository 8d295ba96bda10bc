/**
 * One thin row under the counters: per slot, units this hour and today's first-pass rate, and
 * today's units per hour as a sparkline. Fixed height (the tiles below are sized from where the
 * strip ends), one line: slots that do not fit scroll sideways inside the strip, never the page.
 */
import { TableOutlined } from '@ant-design/icons';
import { Button, Popover, Table } from 'antd';
import { useMemo } from 'react';
import type { LineYield } from '../../../../preload/contract';
import { EChart } from '../../components/charts/EChart';
import type { ChartOption } from '../../components/charts/echarts-setup';
import { useT, type TFunction } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { slotName } from '../../util/slot-name';
import { hourLabel, percent } from '../../util/yield-format';
import { useLineYield } from './useLineYield';

export const STRIP_HEIGHT = 36;

function sparkOption(y: LineYield, t: TFunction): ChartOption {
  return {
    animation: false,
    grid: { left: 0, right: 0, top: 2, bottom: 0 },
    tooltip: { trigger: 'axis', confine: true },
    xAxis: { type: 'category', show: false, data: y.hourly.map((h) => hourLabel(h.start)) },
    yAxis: { type: 'value', show: false, min: 0 },
    series: [{ type: 'bar', name: t('yield.units'), data: y.hourly.map((h) => h.units), itemStyle: { color: '#1677ff' }, barCategoryGap: '20%' }],
  };
}

function HourTable({ y }: { y: LineYield }) {
  const t = useT();
  return (
    <Table
      data-testid="yield-strip-hours-table"
      size="small"
      pagination={false}
      rowKey="start"
      dataSource={y.hourly}
      scroll={{ y: 320 }}
      columns={[
        { title: t('yield.hour'), dataIndex: 'start', render: hourLabel },
        { title: t('yield.units'), dataIndex: 'units' },
        { title: t('yield.pass'), dataIndex: 'pass' },
        { title: t('yield.fail'), dataIndex: 'fail' },
      ]}
    />
  );
}

export function YieldStrip() {
  const t = useT();
  const y = useLineYield();
  const { slots } = useLoadedState();
  const option = useMemo(() => (y ? sparkOption(y, t) : null), [y, t]);
  const cell = { display: 'flex', alignItems: 'baseline', gap: 6, whiteSpace: 'nowrap', flex: 'none' } as const;

  return (
    <div
      data-testid="yield-strip"
      data-loaded={y ? 'yes' : 'no'}
      style={{ height: STRIP_HEIGHT, flex: 'none', display: 'flex', alignItems: 'center', gap: 12, background: '#fff', border: '1px solid #f0f0f0', borderRadius: 8, padding: '0 8px', overflow: 'hidden' }}
    >
      <span style={{ color: '#8c8c8c', whiteSpace: 'nowrap', flex: 'none' }}>{t('yield.strip.legend')}</span>
      <div style={{ display: 'flex', gap: 16, flex: '1 1 auto', minWidth: 0, overflowX: 'auto', overflowY: 'hidden', scrollbarWidth: 'none' }}>
        {(y?.slots ?? []).map((s) => {
          const name = slotName(s.slot, slots);
          return (
            <span key={s.slot} data-testid={`yield-slot-${name}`} style={cell} title={t('yield.strip.slotTitle', { slot: name, hour: s.units_hour, today: s.units_today, fpy: percent(s.fpy_today) })}>
              <b>{name}</b>
              <span data-testid={`yield-hour-${name}`} style={{ fontSize: 18, fontWeight: 700 }}>
                {s.units_hour}
              </span>
              <span style={{ color: '#8c8c8c' }}>·</span>
              <span data-testid={`yield-fpy-${name}`} style={{ fontSize: 16, fontWeight: 600 }}>
                {percent(s.fpy_today)}
              </span>
            </span>
          );
        })}
        {!y && <span style={{ color: '#bfbfbf' }}>—</span>}
      </div>
      <span style={{ color: '#8c8c8c', whiteSpace: 'nowrap', flex: 'none' }}>{t('yield.strip.perHour')}</span>
      <div style={{ width: 160, height: STRIP_HEIGHT - 6, flex: 'none' }}>{option && <EChart testId="yield-strip-chart" option={option} label={t('yield.strip.perHour')} style={{ height: STRIP_HEIGHT - 6 }} />}</div>
      <Popover trigger="click" placement="bottomRight" content={y ? <HourTable y={y} /> : null}>
        <Button data-testid="yield-strip-table" size="small" type="text" icon={<TableOutlined />} aria-label={t('chart.table')} disabled={!y} />
      </Popover>
    </div>
  );
}
