import { Card, Tabs } from 'antd';
import { useT } from '../../i18n';
import { LogsTool } from './LogsTool';
import { PushTool } from './PushTool';
import { SignTool } from './SignTool';

/** Engineer tools: a push message, one signature, the log. */
export function ToolsScreen() {
  const t = useT();
  return (
    <Card>
      <Tabs
        items={[
          { key: 'push', label: <span data-testid="tools-tab-push">{t('tools.push')}</span>, children: <PushTool /> },
          { key: 'sign', label: <span data-testid="tools-tab-sign">{t('tools.sign')}</span>, children: <SignTool /> },
          { key: 'logs', label: <span data-testid="tools-tab-logs">{t('tools.logs')}</span>, children: <LogsTool /> },
        ]}
      />
    </Card>
  );
}
