/** The station log's last lines (already redacted by main), refreshed on demand or every few seconds. */
import { ReloadOutlined } from '@ant-design/icons';
import { Button, Select, Space, Switch, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { LogLine } from '../../../../preload/contract';
import { call } from '../../call';
import { useT } from '../../i18n';
import { formatTime } from '../../util/time';

const LEVEL_COLOR: Record<string, string> = { error: 'red', warn: 'orange', info: 'blue', debug: 'default' };

export function LogsTool() {
  const t = useT();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [count, setCount] = useState(200);
  const [auto, setAuto] = useState(false);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    const r = await call('logs.tail', { lines: count });
    if (r) setLines(r);
    setLoading(false);
  }, [count]);

  useEffect(() => {
    void load();
    if (!auto) return;
    const timer = window.setInterval(() => void load(), 3000);
    return () => window.clearInterval(timer);
  }, [load, auto]);

  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space>
        <Button data-testid="logs-refresh" icon={<ReloadOutlined />} loading={loading} onClick={() => void load()}>
          {t('logs.refresh')}
        </Button>
        <Select value={count} onChange={setCount} style={{ width: 140 }} options={[100, 200, 500, 1000].map((n) => ({ value: n, label: t('logs.lines', { n }) }))} />
        <Switch checked={auto} onChange={setAuto} /> {t('logs.auto')}
      </Space>
      <div data-testid="logs-list" style={{ height: 520, overflow: 'auto', background: '#fafafa', border: '1px solid #f0f0f0', padding: 8, fontFamily: 'monospace', fontSize: 12 }}>
        {lines.length === 0 && <Typography.Text type="secondary">{t('logs.empty')}</Typography.Text>}
        {lines.map((l, i) => (
          <div key={i} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
            <span style={{ color: '#8c8c8c' }}>{formatTime(l.t)}</span> <Tag color={LEVEL_COLOR[l.level] ?? 'default'}>{l.level}</Tag>
            <b>{l.event}</b> {l.text}
          </div>
        ))}
      </div>
    </Space>
  );
}
