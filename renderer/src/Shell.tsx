/**
 * The frame: the header (simulation badge, navigation, lock state, language) and the one
 * screen shown. While the operator lock is on, leaving the Line screen asks for the PIN.
 */
import { Button, Layout, Result, Spin } from 'antd';
import { useState } from 'react';
import { AppHeader } from './components/AppHeader';
import { PinPrompt } from './components/PinPrompt';
import { ErrorAlert } from './errors';
import { useT } from './i18n';
import { FirstRun } from './screens/FirstRun';
import { LineScreen } from './screens/line/LineScreen';
import { QueueScreen } from './screens/QueueScreen';
import { RecordsScreen } from './screens/records/RecordsScreen';
import { SetupScreen } from './screens/setup/SetupScreen';
import { ToolsScreen } from './screens/tools/ToolsScreen';
import type { Screen } from './screens/types';
import { useAppState } from './state/app-state';
import { useIdleTouch } from './state/useIdleTouch';

export function Shell() {
  const t = useT();
  const { state, error, reload } = useAppState();
  const [chosen, setChosen] = useState<Screen | null>(null);
  const [askPinFor, setAskPinFor] = useState<Screen | null>(null);
  const ready = state !== null && state.product_id !== null && state.slots.length > 0;
  // Locked: the operator stays on the Line. Otherwise the engineer's choice, or a sensible start.
  const screen: Screen | null = !state || state.mode === null ? null : state.locked ? 'line' : (chosen ?? (ready ? 'line' : 'setup'));
  useIdleTouch(!!state?.has_pin && !state.locked && screen !== null && screen !== 'line');

  if (!state) {
    return (
      <Layout style={{ minHeight: '100vh' }}>
        <AppHeader screen={null} onNavigate={() => {}} />
        <Layout.Content style={{ padding: 24 }}>
          {error ? (
            <Result status="error" title={t('app.loadFailed')} extra={<Button onClick={() => void reload()}>{t('common.retry')}</Button>}>
              <ErrorAlert error={error} />
            </Result>
          ) : (
            <Spin size="large" style={{ display: 'block', marginTop: 120 }} />
          )}
        </Layout.Content>
      </Layout>
    );
  }

  if (state.mode === null) {
    return (
      <Layout style={{ minHeight: '100vh' }}>
        <AppHeader screen={null} onNavigate={() => {}} />
        <Layout.Content style={{ padding: 24 }}>
          <FirstRun onChosen={() => setChosen('setup')} />
        </Layout.Content>
      </Layout>
    );
  }

  const navigate = (to: Screen) => {
    if (to !== 'line' && state.locked) setAskPinFor(to);
    else setChosen(to);
  };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <AppHeader screen={screen} onNavigate={navigate} onLocked={() => setChosen('line')} />
      <Layout.Content style={{ padding: 16 }}>
        {screen === 'line' && <LineScreen onOpenSetup={() => navigate('setup')} />}
        {screen === 'setup' && <SetupScreen onLocked={() => setChosen('line')} />}
        {screen === 'queue' && <QueueScreen />}
        {screen === 'records' && <RecordsScreen />}
        {screen === 'tools' && <ToolsScreen />}
      </Layout.Content>
      <PinPrompt
        open={askPinFor !== null}
        onCancel={() => setAskPinFor(null)}
        onUnlocked={() => {
          setChosen(askPinFor);
          setAskPinFor(null);
        }}
      />
    </Layout>
  );
}
