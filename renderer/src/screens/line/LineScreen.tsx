/**
 * The operator's screen: the scanner and start/stop, today's counters, and a tile per fixture
 * slot sharing out the rest of the window, so every slot is in view without scrolling. The yield
 * strip sits above the tiles at a fixed height, so the tiles are sized from where it ends.
 */
import { CaretRightOutlined, PauseOutlined, SoundOutlined } from '@ant-design/icons';
import { Alert, Button, Col, Empty, Flex, Row, Space, Spin, Switch, Tag } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { LineStatus } from '../../../../preload/contract';
import { call } from '../../call';
import { useT } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { useBusy } from '../../useBusy';
import { useEvent } from '../../useEvent';
import { beep } from './beep';
import { Counters } from './Counters';
import { ScanField } from './ScanField';
import { SlotTile } from './SlotTile';
import { TILE_GAP, tileGrid } from './tile-grid';
import { useFreeBox } from './useFreeBox';
import { YieldStrip } from './YieldStrip';

export function LineScreen({ onOpenSetup }: { onOpenSetup: () => void }) {
  const t = useT();
  const state = useLoadedState();
  const [status, setStatus] = useState<LineStatus | null>(null);
  const [starting, runStart] = useBusy();
  const [stopping, runStop] = useBusy();
  const { ref: gridRef, box: free } = useFreeBox();

  const load = useCallback(async () => {
    const s = await call('line.status');
    if (s) setStatus(s);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useEvent('line', setStatus);
  useEvent('unit', (u) => {
    if (state.sound) beep(u.result);
  });

  if (!status) return <Spin size="large" style={{ display: 'block', marginTop: 120 }} />;

  const start = () => runStart(async () => (await call('line.start')) ?? null).then((s) => s && setStatus(s));
  const stop = () => runStop(async () => (await call('line.stop')) ?? null).then((s) => s && setStatus(s));
  const notReady = state.product_id === null || state.slots.length === 0;
  const grid = tileGrid(status.slots.length, free.width, free.height);

  return (
    <Flex vertical gap={8}>
      {notReady && !state.locked && (
        <Alert
          type="warning"
          showIcon
          title={state.product_id === null ? t('line.needProduct') : t('line.needSlots')}
          action={
            <Button size="small" onClick={onOpenSetup}>
              {t('line.openSetup')}
            </Button>
          }
        />
      )}
      <Row gutter={12} align="middle">
        <Col flex="auto">
          <ScanField pendingSn={status.pending_sn} onStatus={setStatus} />
        </Col>
        <Col>
          <Space>
            <Switch
              data-testid="line-sound"
              checked={state.sound}
              checkedChildren={<SoundOutlined />}
              unCheckedChildren={<SoundOutlined />}
              aria-label={t('prefs.sound')}
              onChange={(v) => void call('app.setPrefs', { sound: v }).then((s) => s && state.update(s))}
            />
            <Tag data-testid="line-running" data-running={String(status.running)} color={status.running ? 'green' : 'default'} style={{ fontSize: 16, lineHeight: '30px', paddingInline: 12 }}>
              {status.running ? t('line.running') : t('line.stopped')}
            </Tag>
            <Button data-testid="line-start" type="primary" size="large" icon={<CaretRightOutlined />} loading={starting} disabled={status.running || notReady} onClick={() => void start()}>
              {t('line.start')}
            </Button>
            <Button data-testid="line-stop" size="large" danger icon={<PauseOutlined />} loading={stopping} disabled={!status.running} onClick={() => void stop()}>
              {t('line.stop')}
            </Button>
          </Space>
        </Col>
      </Row>
      <Counters status={status} />
      <YieldStrip />
      {status.slots.length === 0 && <Empty description={t('line.noSlots')} />}
      <div
        ref={gridRef}
        style={{
          display: 'grid',
          gridTemplateColumns: `repeat(${grid.cols}, minmax(0, 1fr))`,
          gridAutoRows: `${grid.rowHeight}px`,
          gap: TILE_GAP,
        }}
      >
        {status.slots.map((v) => (
          <SlotTile key={v.slot.name} view={v} running={status.running} simulation={state.mode === 'simulation'} />
        ))}
      </div>
    </Flex>
  );
}
