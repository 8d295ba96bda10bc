/** Simulation mode: put a fresh simulated unit on the slot, optionally one with a fault. */
import { DownOutlined, PlusCircleOutlined } from '@ant-design/icons';
import { Button, Dropdown, Space } from 'antd';
import type { Input } from '../../../../preload/contract';
import { call } from '../../call';
import { useT, type MessageKey } from '../../i18n';
import { useBusy } from '../../useBusy';

type Fault = NonNullable<Input<'sim.placeUnit'>['fault']>;
const FAULTS: Record<Fault, MessageKey> = {
  noise: 'sim.fault.noise',
  badcrc: 'sim.fault.badcrc',
  pull: 'sim.fault.pull',
  silent: 'sim.fault.silent',
  locked: 'sim.fault.locked',
  flash: 'sim.fault.flash',
};

export function SimPlaceButton({ slot, disabled }: { slot: string; disabled: boolean }) {
  const t = useT();
  const [busy, run] = useBusy();
  const place = (fault?: Fault) => run(() => call('sim.placeUnit', fault ? { slot, fault } : { slot }));
  return (
    <Space.Compact size="small">
      <Button data-testid={`sim-place-${slot}`} icon={<PlusCircleOutlined />} loading={busy} disabled={disabled} onClick={() => void place()}>
        {t('sim.place')}
      </Button>
      <Dropdown
        disabled={disabled || busy}
        trigger={['click']}
        menu={{
          items: (Object.keys(FAULTS) as Fault[]).map((f) => ({ key: f, label: <span data-testid={`sim-fault-${slot}-${f}`}>{t(FAULTS[f])}</span> })),
          onClick: ({ key }) => void place(key as Fault),
        }}
      >
        <Button data-testid={`sim-fault-${slot}`} icon={<DownOutlined />} aria-label={t('sim.placeFaulty')} />
      </Dropdown>
    </Space.Compact>
  );
}
