import { Flex, Layout, Menu, Typography } from 'antd';
import { useT, type MessageKey } from '../i18n';
import { SCREENS, type Screen } from '../screens/types';
import { useAppState } from '../state/app-state';
import { ApiBaseBadge } from './ApiBaseBadge';
import { LangSwitch } from './LangSwitch';
import { LockState } from './LockState';
import { SimBadge } from './SimBadge';

const NAV_LABEL: Record<Screen, MessageKey> = {
  line: 'nav.line',
  setup: 'nav.setup',
  queue: 'nav.queue',
  records: 'nav.records',
  tools: 'nav.tools',
};

export function AppHeader({ screen, onNavigate, onLocked }: { screen: Screen | null; onNavigate: (s: Screen) => void; onLocked?: () => void }) {
  const t = useT();
  const { state } = useAppState();
  const showNav = screen !== null && state?.mode != null;
  return (
    <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 16, paddingInline: 16, background: '#001529' }}>
      <Typography.Text strong style={{ color: '#fff', fontSize: 18, whiteSpace: 'nowrap' }}>
        {t('app.title')}
      </Typography.Text>
      {state?.mode === 'simulation' && <SimBadge />}
      <ApiBaseBadge />
      <div style={{ flex: 1, minWidth: 0 }}>
        {showNav && (
          <Menu
            theme="dark"
            mode="horizontal"
            // Every screen stays one click away: an operator must never hunt in a "…" overflow menu.
            disabledOverflow
            selectedKeys={[screen]}
            onClick={({ key }) => onNavigate(key as Screen)}
            items={SCREENS.map((s) => ({ key: s, label: <span data-testid={`nav-${s}`}>{t(NAV_LABEL[s])}</span> }))}
          />
        )}
      </div>
      <Flex gap={12} align="center">
        {showNav && <LockState onLocked={onLocked} />}
        <LangSwitch />
      </Flex>
    </Layout.Header>
  );
}
