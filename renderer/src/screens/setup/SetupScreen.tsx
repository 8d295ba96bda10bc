/** The engineer's setup, one tab per concern, each with a tick once it is done. */
import { CheckCircleFilled } from '@ant-design/icons';
import { Alert, Card, Tabs } from 'antd';
import { useState, type ReactNode } from 'react';
import { useT, type MessageKey } from '../../i18n';
import { useLoadedState } from '../../state/app-state';
import { BindStep } from './BindStep';
import { CredentialsStep } from './CredentialsStep';
import { FleetJoinStep } from './FleetJoinStep';
import { KeysStep } from './KeysStep';
import { KeystoreCard } from './KeystoreCard';
import { LockStep } from './LockStep';
import { MesStep } from './MesStep';
import { PrefsStep } from './PrefsStep';
import { ProductStep } from './ProductStep';
import { SlotsStep } from './SlotsStep';
import { TemplateStep } from './TemplateStep';
import { useProducts } from '../../state/useProducts';

type Tab = 'credentials' | 'fleet' | 'product' | 'keys' | 'bind' | 'template' | 'slots' | 'mes' | 'prefs' | 'lock';

export function SetupScreen({ onLocked }: { onLocked: () => void }) {
  const t = useT();
  const state = useLoadedState();
  const { products, loading, reload } = useProducts();
  const [tab, setTab] = useState<Tab>('credentials');
  const current = products.find((p) => p.product_id === state.product_id) ?? null;
  const joined = state.fleet !== null && !state.fleet.revoked;

  const done: Record<Tab, boolean> = {
    // A fleet station needs no AppSecret: the server registers its ids.
    credentials: state.mode === 'simulation' || state.credentials.has_secret || joined,
    fleet: joined,
    product: current !== null,
    keys: (current?.key_versions.length ?? 0) > 0,
    bind: (current?.appids.length ?? 0) > 0,
    template: state.station_code !== null,
    slots: state.slots.length > 0,
    // The MES is optional (many lines have none): no tick either way.
    mes: false,
    prefs: false,
    lock: state.has_pin,
  };

  const tabs: { key: Tab; label: MessageKey; body: ReactNode }[] = [
    { key: 'credentials', label: 'setup.tab.credentials', body: <CredentialsStep /> },
    { key: 'fleet', label: 'fleetJoin.tab', body: <FleetJoinStep products={products} reloadProducts={reload} /> },
    { key: 'product', label: 'setup.tab.product', body: <ProductStep products={products} loading={loading} reload={reload} /> },
    { key: 'keys', label: 'setup.tab.keys', body: <KeysStep product={current} reloadProducts={reload} /> },
    { key: 'bind', label: 'setup.tab.bind', body: <BindStep product={current} reloadProducts={reload} /> },
    { key: 'template', label: 'setup.tab.template', body: <TemplateStep product={current} reloadProducts={reload} /> },
    { key: 'slots', label: 'setup.tab.slots', body: <SlotsStep /> },
    { key: 'mes', label: 'setup.tab.mes', body: <MesStep /> },
    { key: 'prefs', label: 'setup.tab.prefs', body: <PrefsStep /> },
    { key: 'lock', label: 'setup.tab.lock', body: <LockStep onLocked={onLocked} /> },
  ];

  return (
    <Card>
      <KeystoreCard />
      {state.mode === 'simulation' && <Alert type="info" showIcon title={t('setup.simInfo')} style={{ marginBottom: 16 }} />}
      <Tabs
        activeKey={tab}
        onChange={(k) => setTab(k as Tab)}
        tabPlacement="start"
        destroyOnHidden
        items={tabs.map((x) => ({
          key: x.key,
          label: (
            <span data-testid={`setup-tab-${x.key}`}>
              {done[x.key] && <CheckCircleFilled style={{ color: '#52c41a', marginInlineEnd: 6 }} />}
              {t(x.label)}
            </span>
          ),
          children: <div style={{ maxWidth: 900 }}>{x.body}</div>,
        }))}
      />
    </Card>
  );
}
