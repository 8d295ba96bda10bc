/**
 * Fixture slots: a name per tile and the port behind it (path, sn:, loc:, tcp:, adb: or adbusb:), with its baud
 * rate; an expanded row holds the engineer's timing for that slot (PROTOCOL.md, "Timing").
 */
import { DeleteOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Input, InputNumber, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { ErrorPayload, PortInfo, Slot } from '../../../../preload/contract';
import { call, invoke } from '../../call';
import { ErrorAlert } from '../../errors';
import { useT, type MessageKey } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { useBusy } from '../../useBusy';

/** Ports serialport does not list, labelled so the engineer knows what they are. */
const PORT_KIND: Record<'pty' | 'link' | 'given' | 'adb', MessageKey> = { pty: 'slots.kind.pty', link: 'slots.kind.link', given: 'slots.kind.given', adb: 'slots.kind.adb' };

const BAUDS = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600];

/** The per-slot timing an engineer may set, each with the station's default shown as placeholder. */
const TIMING: { key: 'allowance_ms' | 'commit_ms' | 'placement_polls'; label: MessageKey; min: number; max: number; placeholder: number }[] = [
  { key: 'allowance_ms', label: 'slots.allowanceMs', min: 10, max: 60_000, placeholder: 500 },
  { key: 'commit_ms', label: 'slots.commitMs', min: 10, max: 600_000, placeholder: 3000 },
  { key: 'placement_polls', label: 'slots.placementPolls', min: 1, max: 20, placeholder: 3 },
];

/** What slots.set takes: only the timing that was set (unset means the station's default). */
const toInput = (s: Slot): Slot => {
  const out: Slot = { name: s.name.trim(), spec: s.spec.trim(), baud: s.baud };
  for (const { key } of TIMING) if (typeof s[key] === 'number') out[key] = s[key];
  return out;
};

const nextName = (slots: Slot[]): string => {
  for (let i = 1; ; i++) if (!slots.some((s) => s.name === String(i))) return String(i);
};

export function SlotsStep() {
  const t = useT();
  const state = useLoadedState();
  const { message } = App.useApp();
  const [slots, setSlots] = useState<Slot[]>(state.slots);
  const [ports, setPorts] = useState<PortInfo[] | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, run] = useBusy();
  const [scanning, runScan] = useBusy();

  const scan = useCallback(
    () =>
      runScan(async () => {
        const list = await call('ports.list');
        if (list) setPorts(list);
      }),
    [runScan],
  );
  useEffect(() => {
    void scan();
  }, [scan]);

  const add = (spec = '') => setSlots((cur) => [...cur, { name: nextName(cur), spec, baud: 115200 }]);
  const change = (i: number, patch: Partial<Slot>) => setSlots((cur) => cur.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const remove = (i: number) => setSlots((cur) => cur.filter((_, j) => j !== i));

  const names = slots.map((s) => s.name.trim());
  const dupName = names.find((n, i) => names.indexOf(n) !== i);
  const incomplete = slots.some((s) => !s.name.trim() || !s.spec.trim());

  const save = () =>
    run(async () => {
      setError(null);
      const r = await invoke('slots.set', { slots: slots.map(toInput) });
      if (!r.ok) return setError(r.error);
      state.update(r.value);
      setSlots(r.value.slots);
      message.success(t('slots.saved'));
    });

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Card
        size="small"
        title={t('slots.portsTitle')}
        extra={
          <Button data-testid="ports-refresh" size="small" icon={<ReloadOutlined />} loading={scanning} onClick={() => void scan()}>
            {t('slots.rescan')}
          </Button>
        }
      >
        <Table<PortInfo>
          size="small"
          rowKey="path"
          pagination={false}
          loading={ports === null}
          dataSource={ports ?? []}
          locale={{ emptyText: t('slots.noPorts') }}
          columns={[
            {
              title: t('slots.path'),
              render: (_, p) => (
                <Space size={4} wrap data-testid={`port-${p.path}`}>
                  <span>{p.path}</span>
                  {p.target && <Typography.Text type="secondary">→ {p.target}</Typography.Text>}
                  {(p.source === 'pty' || p.source === 'link' || p.source === 'adb' || (p.source === 'given' && state.mode === 'real')) && <Tag>{t(PORT_KIND[p.source])}</Tag>}
                  {p.adb && p.adb.state !== 'device' && (
                    <Tag color="warning" data-testid={`port-adb-state-${p.path}`}>
                      {p.adb.state === 'unauthorized' ? t('slots.adbUnauthorized') : `${t('slots.adbNotReady')} (${p.adb.state})`}
                    </Tag>
                  )}
                </Space>
              ),
            },
            { title: t('slots.maker'), dataIndex: 'manufacturer', render: (m?: string) => m ?? '—' },
            { title: t('slots.serial'), render: (_, p) => p.adb?.serial ?? p.serialNumber ?? '—' },
            { title: t('slots.location'), dataIndex: 'location', render: (m?: string) => m ?? '—' },
            {
              title: t('slots.use'),
              render: (_, p) => (
                <Space size={4} wrap>
                  <Button size="small" data-testid={`port-use-${p.path}`} onClick={() => add(p.path)}>
                    {t('slots.byPath')}
                  </Button>
                  {p.serialNumber && (
                    <Button size="small" onClick={() => add(`sn:${p.serialNumber}`)}>
                      {t('slots.bySerial')}
                    </Button>
                  )}
                  {p.location && (
                    <Button size="small" data-testid={`port-use-loc-${p.path}`} onClick={() => add(p.adb ? `adbusb:${p.location}` : `loc:${p.location}`)}>
                      {t('slots.byLocation')}
                    </Button>
                  )}
                </Space>
              ),
            },
          ]}
        />
      </Card>

      <Card size="small" title={t('slots.title')}>
        <Typography.Paragraph type="secondary">{t('slots.specHelp')}</Typography.Paragraph>
        <ErrorAlert error={error} onClose={() => setError(null)} />
        <Table<Slot & { i: number }>
          size="small"
          rowKey="i"
          pagination={false}
          dataSource={slots.map((s, i) => ({ ...s, i }))}
          locale={{ emptyText: t('slots.none') }}
          expandable={{
            expandedRowRender: (s) => (
              <Space wrap data-testid={`slot-timing-${s.i}`}>
                <Typography.Text type="secondary">{t('slots.timingHelp')}</Typography.Text>
                {TIMING.map((f) => (
                  <Space key={f.key} size={4}>
                    <span>{t(f.label)}</span>
                    <InputNumber
                      data-testid={`slot-${f.key}-${s.i}`}
                      min={f.min}
                      max={f.max}
                      precision={0}
                      placeholder={String(f.placeholder)}
                      value={s[f.key] ?? null}
                      onChange={(v) => change(s.i, { [f.key]: typeof v === 'number' ? v : undefined })}
                    />
                  </Space>
                ))}
              </Space>
            ),
          }}
          columns={[
            {
              title: t('slots.name'),
              width: 120,
              render: (_, s) => <Input data-testid={`slot-name-${s.i}`} value={s.name} maxLength={16} status={s.name.trim() === dupName ? 'error' : undefined} onChange={(e) => change(s.i, { name: e.target.value })} />,
            },
            {
              title: t('slots.spec'),
              render: (_, s) => <Input data-testid={`slot-spec-${s.i}`} value={s.spec} maxLength={256} placeholder="/dev/ttyUSB0 · COM3 · sn:A10K1234 · loc:1-1.2 · tcp:10.0.0.20:7000 · adbusb:1-1.2" onChange={(e) => change(s.i, { spec: e.target.value })} />,
            },
            {
              title: t('slots.baud'),
              width: 140,
              // A networked jig or an Android unit has no wire to set a speed for.
              render: (_, s) =>
                /^(tcp|adb|adbusb):/.test(s.spec.trim()) ? (
                  <Typography.Text type="secondary" data-testid={`slot-baud-${s.i}`}>
                    —
                  </Typography.Text>
                ) : (
                <Select
                  data-testid={`slot-baud-${s.i}`}
                  value={s.baud}
                  style={{ width: '100%' }}
                  options={(BAUDS.includes(s.baud) ? BAUDS : [s.baud, ...BAUDS]).map((b) => ({ value: b, label: String(b) }))}
                  onChange={(b) => change(s.i, { baud: b })}
                />
                ),
            },
            { title: '', width: 56, render: (_, s) => <Button danger type="text" icon={<DeleteOutlined />} aria-label={t('common.delete')} onClick={() => remove(s.i)} /> },
          ]}
        />
        {dupName !== undefined && <Typography.Text type="danger">{t('slots.dupName', { name: dupName })}</Typography.Text>}
        <Space style={{ marginTop: 12 }}>
          <Button data-testid="slots-add" icon={<PlusOutlined />} disabled={slots.length >= 32} onClick={() => add()}>
            {t('slots.add')}
          </Button>
          <Button data-testid="slots-save" type="primary" loading={busy} disabled={incomplete || dupName !== undefined} onClick={() => void save()}>
            {t('common.save')}
          </Button>
        </Space>
      </Card>
    </Space>
  );
}
