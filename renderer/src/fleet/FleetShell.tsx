/** The dashboard's frame: a header (title, language, sign out) and one tab per question the admin asks. */
import { Button, Layout, Space, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { LangSwitch } from '../components/LangSwitch';
import { useT, type MessageKey } from '../i18n';
import { ConflictsView } from './ConflictsView';
import { QueueView } from './QueueView';
import { RecordsView } from './RecordsView';
import { StationsView } from './StationsView';
import { YieldView } from './YieldView';
import { fleetPost } from './fleet-api';
import { useYieldWords } from './yield-words';

type Tab = 'stations' | 'yield' | 'conflicts' | 'records' | 'queue';

const TABS: { key: Tab; label: MessageKey | 'yield' }[] = [
  { key: 'stations', label: 'fleet.tab.stations' },
  // The yield view's words are its own (yield-words.ts).
  { key: 'yield', label: 'yield' },
  { key: 'conflicts', label: 'fleet.tab.conflicts' },
  { key: 'records', label: 'fleet.tab.records' },
  { key: 'queue', label: 'fleet.tab.queue' },
];

export function FleetShell({ onSignedOut }: { onSignedOut: () => void }) {
  const t = useT();
  const { w } = useYieldWords();
  const [tab, setTab] = useState<Tab>('stations');
  const body = { stations: <StationsView />, yield: <YieldView />, conflicts: <ConflictsView />, records: <RecordsView />, queue: <QueueView /> }[tab];

  const signOut = async () => {
    await fleetPost('/dashboard/logout', {});
    onSignedOut();
  };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 16, background: '#001529' }}>
        <Typography.Title level={4} style={{ color: '#fff', margin: 0, whiteSpace: 'nowrap' }} data-testid="fleet-title">
          {t('fleet.title')}
        </Typography.Title>
        <div style={{ flex: 1 }} />
        <Space>
          <LangSwitch />
          <Button data-testid="fleet-logout" onClick={() => void signOut()}>
            {t('fleet.logout')}
          </Button>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: 24 }}>
        <Tabs
          activeKey={tab}
          onChange={(k) => setTab(k as Tab)}
          destroyOnHidden
          items={TABS.map((x) => ({ key: x.key, label: <span data-testid={`fleet-tab-${x.key}`}>{x.label === 'yield' ? w('tab') : t(x.label)}</span>, children: x.key === tab ? body : null }))}
        />
      </Layout.Content>
    </Layout>
  );
}
